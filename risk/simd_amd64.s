//go:build !purego

#include "textflag.h"

// Four copies of each constant of scaleExp (fastmath.go), for 256-bit
// memory operands.
#define QUAD(name, v) \
	DATA name<>+0(SB)/8, v; \
	DATA name<>+8(SB)/8, v; \
	DATA name<>+16(SB)/8, v; \
	DATA name<>+24(SB)/8, v; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

QUAD(expInv, $0x40571547652b82fe)   // 64/ln 2
QUAD(expShift, $0x4338000000000000) // 1.5 × 2^52
QUAD(expHi, $0x3f862e42ff000000)    // ln 2/64, high part
QUAD(expLo, $0xbd6718432a1b0e26)    // ln 2/64, low part
QUAD(expC2, $0x3fe0000000000000)    // 1/2
QUAD(expC6, $0x3fc5555555555555)    // 1/6
QUAD(expC24, $0x3fa5555555555555)   // 1/24
QUAD(expC120, $0x3f81111111111111)  // 1/120
QUAD(expMin, $0xc085e00000000000)   // -700
QUAD(expMax, $0x4085e00000000000)   // 700
QUAD(expK0, $0x4337ffffffff0000)    // bits(1.5 × 2^52) - 65536: bits(sh) - K0 = k + 65536 >= 0
QUAD(exp63, $0x000000000000003f)
QUAD(expB1024, $0x4000000000000000) // 1024 << 52

// func scaleExpAVX2(out, x []float64, c float64) int
//
// Computes out[i] = c e^x[i] four at a time, with exactly the operations
// of scaleExpGo in the same order (no fused multiply-add), so that both
// give the same bits. It stops before the first block of four that holds
// an argument outside (-700, 700) or NaN, or that the slices cannot fill,
// and returns the number of elements done.
TEXT ·scaleExpAVX2(SB), NOSPLIT, $0-64
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VBROADCASTSD c+48(FP), Y15
	LEAQ ·expTable(SB), R8
	XORQ AX, AX

loop:
	LEAQ 4(AX), DX
	CMPQ DX, CX
	JGT  done
	VMOVUPD (SI)(AX*8), Y0
	VCMPPD  $0x1e, expMin<>(SB), Y0, Y1 // x > -700 (GT_OQ)
	VCMPPD  $0x11, expMax<>(SB), Y0, Y2 // x < 700 (LT_OQ)
	VANDPD  Y1, Y2, Y1
	VMOVMSKPD Y1, DX
	CMPQ    DX, $15
	JNE     done

	VMULPD expInv<>(SB), Y0, Y1   // x × 64/ln 2
	VADDPD expShift<>(SB), Y1, Y1 // sh: rounded to an integer k in its low bits
	VSUBPD expShift<>(SB), Y1, Y2 // kf = k
	VMULPD expHi<>(SB), Y2, Y3
	VSUBPD Y3, Y0, Y3             // x - kf hi
	VMULPD expLo<>(SB), Y2, Y4
	VSUBPD Y4, Y3, Y3             // r = (x - kf hi) - kf lo
	VMULPD Y3, Y3, Y4             // r²
	VMULPD expC6<>(SB), Y3, Y5
	VADDPD expC2<>(SB), Y5, Y5    // 1/2 + r/6
	VMULPD expC120<>(SB), Y3, Y6
	VADDPD expC24<>(SB), Y6, Y6   // 1/24 + r/120
	VMULPD Y4, Y6, Y6
	VADDPD Y6, Y5, Y5             // (1/2 + r/6) + r²(1/24 + r/120)
	VMULPD Y4, Y5, Y5
	VADDPD Y5, Y3, Y5             // p = r + r²(...)

	VPSUBQ expK0<>(SB), Y1, Y1    // kb = k + 65536
	VPAND  exp63<>(SB), Y1, Y6    // k mod 64
	VPCMPEQQ Y7, Y7, Y7
	VGATHERQPD Y7, (R8)(Y6*8), Y8 // t = 2^((k mod 64)/64)
	VMULPD Y5, Y8, Y9
	VADDPD Y9, Y8, Y9             // e^r t = t + t p
	VPSRLQ $6, Y1, Y1             // (k >> 6) + 1024
	VPSLLQ $52, Y1, Y1
	VPSUBQ expB1024<>(SB), Y1, Y1 // (k >> 6) << 52
	VPADDQ Y1, Y9, Y9             // × 2^(k >> 6)
	VMULPD Y15, Y9, Y9
	VMOVUPD Y9, (DI)(AX*8)
	ADDQ $4, AX
	JMP  loop

done:
	VZEROUPPER
	MOVQ AX, ret+56(FP)
	RET

// func hornerAVX2(a, b []float64, y float64, acc *[12]float64)
//
// hornerGo in one 256-bit register per recurrence: lane k of Y0, Y1, Y2
// holds acc[k], acc[4+k], acc[8+k]; d = a - b four months at a time.
// VFMADD rounds once, as math.FMA.
TEXT ·hornerAVX2(SB), NOSPLIT, $0-64
	MOVQ a_base+0(FP), SI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), DX
	ANDQ $-4, CX
	VBROADCASTSD y+48(FP), Y15
	MOVQ acc+56(FP), DI
	VMOVUPD 0(DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2

hloop:
	SUBQ $4, CX
	JLT  hdone
	VMOVUPD     (SI)(CX*8), Y3
	VSUBPD      (DX)(CX*8), Y3, Y3 // d = a - b
	VFMADD213PD Y1, Y15, Y2        // G''/2 = y G''/2 + G'
	VFMADD213PD Y0, Y15, Y1        // G' = y G' + G
	VFMADD213PD Y3, Y15, Y0        // G = y G + d
	JMP  hloop

hdone:
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VZEROUPPER
	RET

// Constants of normalsAVX2: the Weyl steps γ, 2γ, 3γ, 4γ of SplitMix64,
// the low and high halves of its two multipliers (one per quadword, for
// VPMULUDQ), the layer mask, the permutation that packs each quadword's low
// doubleword, and the sign bit that turns an unsigned compare into a
// signed one.
DATA normGammas<>+0(SB)/8, $0x9e3779b97f4a7c15
DATA normGammas<>+8(SB)/8, $0x3c6ef372fe94f82a
DATA normGammas<>+16(SB)/8, $0xdaa66d2c7ddf743f
DATA normGammas<>+24(SB)/8, $0x78dde6e5fd29f054
GLOBL normGammas<>(SB), RODATA|NOPTR, $32
QUAD(normM1lo, $0x000000001ce4e5b9)
QUAD(normM1hi, $0x00000000bf58476d)
QUAD(normM2lo, $0x00000000133111eb)
QUAD(normM2hi, $0x0000000094d049bb)
QUAD(normLayer, $0x00000000000000ff)
QUAD(normSign, $0x8000000080000000)
DATA normPack<>+0(SB)/8, $0x0000000200000000
DATA normPack<>+8(SB)/8, $0x0000000600000004
DATA normPack<>+16(SB)/8, $0x0000000000000000
DATA normPack<>+24(SB)/8, $0x0000000000000000
GLOBL normPack<>(SB), RODATA|NOPTR, $32

// x = x × m mod 2^64 in each quadword, from 32-bit products:
// lo(x)lo(m) + (hi(x)lo(m) + lo(x)hi(m)) << 32.
#define MUL64(x, mlo, mhi) \
	VPMULUDQ mlo, x, Y5; \
	VPSRLQ   $32, x, Y6; \
	VPMULUDQ mlo, Y6, Y6; \
	VPMULUDQ mhi, x, Y7; \
	VPADDQ   Y7, Y6, Y6; \
	VPSLLQ   $32, Y6, Y6; \
	VPADDQ   Y6, Y5, x

// func normalsAVX2(out []float64, mu, sig float64, s uint64) (done int, next uint64)
//
// normalsGo four variates at a time, from the SplitMix64 state s: the same
// draws and operations, so the same bits. It stops before the first block
// of four in which a draw falls outside its layer's core (normalsGo then
// takes that block, with the slow path) or that out cannot fill, and
// returns the number of variates done and the state after them.
TEXT ·normalsAVX2(SB), NOSPLIT, $0-64
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), CX
	VBROADCASTSD mu+24(FP), Y13
	VBROADCASTSD sig+32(FP), Y14
	MOVQ s+40(FP), R9
	LEAQ ·zigK(SB), R10
	LEAQ ·zigW(SB), R11
	VMOVDQU normGammas<>(SB), Y12
	VMOVDQU normPack<>(SB), Y11
	MOVQ $0x78dde6e5fd29f054, R12 // 4γ
	XORQ AX, AX

nloop:
	LEAQ 4(AX), DX
	CMPQ DX, CX
	JGT  ndone
	VMOVQ        R9, X0
	VPBROADCASTQ X0, Y0
	VPADDQ       Y12, Y0, Y0 // s + γ, ..., s + 4γ
	VPSRLQ       $30, Y0, Y1
	VPXOR        Y1, Y0, Y0
	MUL64(Y0, normM1lo<>(SB), normM1hi<>(SB))
	VPSRLQ       $27, Y0, Y1
	VPXOR        Y1, Y0, Y0
	MUL64(Y0, normM2lo<>(SB), normM2hi<>(SB))
	VPSRLQ       $31, Y0, Y1
	VPXOR        Y1, Y0, Y0 // u
	VPSRLQ       $32, Y0, Y1
	VPAND        normLayer<>(SB), Y1, Y1 // layer l = u >> 32 & 255
	VPERMD       Y0, Y11, Y2          // X2: j = int32(u), four of them
	VPABSD       X2, X3               // |j|, as an unsigned value
	VPCMPEQD     X4, X4, X4
	VPGATHERQD   X4, (R10)(Y1*4), X5  // zigK[l]
	VPXOR        normSign<>(SB), X3, X3
	VPXOR        normSign<>(SB), X5, X5
	VPCMPGTD     X3, X5, X6           // |j| < zigK[l]
	VMOVMSKPS    X6, DX
	CMPQ         DX, $15
	JNE          ndone
	VCVTDQ2PD    X2, Y7
	VPCMPEQQ     Y8, Y8, Y8
	VGATHERQPD   Y8, (R11)(Y1*8), Y9  // zigW[l]
	VMULPD       Y9, Y7, Y7           // z = float64(j) zigW[l]
	VMULPD       Y14, Y7, Y7
	VADDPD       Y13, Y7, Y7          // mu + sig z
	VMOVUPD      Y7, (DI)(AX*8)
	ADDQ         $4, AX
	ADDQ         R12, R9
	JMP          nloop

ndone:
	VZEROUPPER
	MOVQ AX, done+48(FP)
	MOVQ R9, next+56(FP)
	RET
