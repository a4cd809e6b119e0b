//go:build !purego

#include "textflag.h"

// leaseLanes offsets: eb 0, fcf 8, share 16, margin 24, fixE 32, fixCash
// 40, df 48, ref 56 (nil: no moments), s1 64, s2 72, months 80, npv 88,
// sumE 120, cum 632, low 1144 (TestLeaseLanesLayout checks them).

// One block of four months at AX: e = share × margin + fixE in Y0, cash
// f = e + fixCash in Y1, both stored, Σ e into Y10 and Σ f × df into Y11.
#define BLOCK \
	VMOVUPD (R8)(AX*8), Y0; \
	VMULPD  (R9)(AX*8), Y0, Y0; \
	VADDPD  (R10)(AX*8), Y0, Y0; \
	VADDPD  (R11)(AX*8), Y0, Y1; \
	VMOVUPD Y0, (DI)(AX*8); \
	VMOVUPD Y1, (SI)(AX*8); \
	VADDPD  Y0, Y10, Y10; \
	VMULPD  (R12)(AX*8), Y1, Y2; \
	VADDPD  Y2, Y11, Y11

// s1 += e - ref, s2 += (e - ref)².
#define MOMENTS \
	VSUBPD  (R13)(AX*8), Y0, Y2; \
	VADDPD  (BX)(AX*8), Y2, Y3; \
	VMOVUPD Y3, (BX)(AX*8); \
	VMULPD  Y2, Y2, Y2; \
	VADDPD  (DX)(AX*8), Y2, Y2; \
	VMOVUPD Y2, (DX)(AX*8)

// The block's running cash: a = f + (0, f0, f1, f2), b = a + (0, 0, a0, a1);
// the lowest of c + (0, b0, b1, b2) per lane into Y13 (v < m ? v : m), then
// c += b3 in every lane of Y12. Y14 is zero.
#define PREFIX \
	VPERMQ     $0x90, Y1, Y2; \
	VBLENDPD   $1, Y14, Y2, Y2; \
	VADDPD     Y2, Y1, Y2; \
	VPERM2F128 $0x08, Y2, Y2, Y3; \
	VADDPD     Y3, Y2, Y3; \
	VPERMQ     $0x90, Y3, Y4; \
	VBLENDPD   $1, Y14, Y4, Y4; \
	VADDPD     Y4, Y12, Y4; \
	VMINPD     Y13, Y4, Y13; \
	VPERMPD    $0xFF, Y3, Y5; \
	VADDPD     Y5, Y12, Y12; \
	ADDQ       $4, AX

// Year R15's sums: Σ e as (l0+l2) + (l1+l3), the cash, the lowest.
#define YEAREND \
	VEXTRACTF128 $1, Y10, X1; \
	VADDPD       X1, X10, X1; \
	VPERMILPD    $1, X1, X2; \
	VADDSD       X2, X1, X1; \
	VMOVSD       X1, 120(R14)(R15*8); \
	VMOVSD       X12, 632(R14)(R15*8); \
	VEXTRACTF128 $1, Y13, X1; \
	VMINPD       X1, X13, X1; \
	VPERMILPD    $1, X1, X2; \
	VMINSD       X2, X1, X1; \
	VMOVSD       X1, 1144(R14)(R15*8); \
	INCQ         R15

#define LOAD \
	MOVQ    l+0(FP), R14; \
	MOVQ    0(R14), DI; \
	MOVQ    8(R14), SI; \
	MOVQ    16(R14), R8; \
	MOVQ    24(R14), R9; \
	MOVQ    32(R14), R10; \
	MOVQ    40(R14), R11; \
	MOVQ    48(R14), R12; \
	MOVQ    56(R14), R13; \
	MOVQ    64(R14), BX; \
	MOVQ    72(R14), DX; \
	MOVQ    80(R14), CX; \
	VMOVUPD 88(R14), Y11; \
	VXORPD  Y14, Y14, Y14; \
	XORQ    AX, AX; \
	XORQ    R15, R15

#define YEARSTART \
	VXORPD Y10, Y10, Y10; \
	VXORPD Y12, Y12, Y12; \
	VXORPD Y13, Y13, Y13

// func leaseAVX2(l *leaseLanes)
//
// leaseGo on l.months months (whole years), one block of four months in
// each vector register: the same operations in the same order, no fused
// multiply-add, so the same bits. R14 and R15 are free in an ABI0
// function (the caller restores the goroutine register).
TEXT ·leaseAVX2(SB), NOSPLIT, $0-8
	LOAD
	TESTQ R13, R13
	JNE   moments

plain:
	CMPQ AX, CX
	JGE  done
	YEARSTART
	BLOCK
	PREFIX
	BLOCK
	PREFIX
	BLOCK
	PREFIX
	YEAREND
	JMP  plain

moments:
	CMPQ AX, CX
	JGE  done
	YEARSTART
	BLOCK
	MOMENTS
	PREFIX
	BLOCK
	MOMENTS
	PREFIX
	BLOCK
	MOMENTS
	PREFIX
	YEAREND
	JMP  moments

done:
	VMOVUPD Y11, 88(R14)
	VZEROUPPER
	RET

// func marginsAVX2(margin, hp, rd, ed, power []float64)
//
// marginsGo's single-line loop on the first len(margin) &^ 3 months, four
// at a time: lr = hp × rd, le = ed × power, margin = lr - le where
// lr >= le and lr > 0, else 0 — the same operations, so the same bits.
TEXT ·marginsAVX2(SB), NOSPLIT, $0-120
	MOVQ margin_base+0(FP), DI
	MOVQ margin_len+8(FP), CX
	MOVQ hp_base+24(FP), SI
	MOVQ rd_base+48(FP), R8
	MOVQ ed_base+72(FP), R9
	MOVQ power_base+96(FP), R10
	ANDQ $-4, CX
	VXORPD Y14, Y14, Y14
	XORQ AX, AX

mloop:
	CMPQ AX, CX
	JGE  mdone
	VMOVUPD (SI)(AX*8), Y0
	VMULPD  (R8)(AX*8), Y0, Y0 // lr = hp × rd
	VMOVUPD (R9)(AX*8), Y1
	VMULPD  (R10)(AX*8), Y1, Y1 // le = ed × power
	VSUBPD  Y1, Y0, Y2          // lr - le
	VCMPPD  $0x1d, Y1, Y0, Y3   // lr >= le (GE_OQ)
	VCMPPD  $0x1e, Y14, Y0, Y4  // lr > 0 (GT_OQ)
	VANDPD  Y4, Y3, Y3
	VANDPD  Y3, Y2, Y2
	VMOVUPD Y2, (DI)(AX*8)
	ADDQ    $4, AX
	JMP     mloop

mdone:
	VZEROUPPER
	RET
