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
