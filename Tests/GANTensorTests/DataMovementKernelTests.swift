import Testing
import GANKernels
@testable import GANTensor

/// GEMM's panel packers only move floats, so their vector paths (AVX-512, AVX2) must give
/// the portable packer's bits exactly. These compare the path in effect with a Swift loop of
/// the packing contract; `.ci/run` runs GANTensorTests again under `GAN_KERNELS_ISA=avx2` and
/// `generic`, so every path meets the same loop. Shapes sit around the vector widths (kc not
/// a multiple of 8, partial panels); sources are random bit patterns (NaN payloads,
/// subnormals, -0), and every buffer is framed by sentinels that must stay untouched.
@Suite struct DataMovementKernelTests {
    /// A signalling NaN: no kernel produces it, and a copy keeps it.
    static let sentinel = Float(bitPattern: 0x7FA5_A5A5)
    static let guardCount = 16

    /// The (panel, step) pairs of the GEMM paths: portable A (6, 6) and B (8, 8), AVX2 A (6, 2)
    /// and B (16, 8), AVX-512 A (12, 4) and B (32, 16). Every path packs each one (a panel it
    /// does not vectorise goes to the portable packer).
    @Test(arguments: [(6, 2), (6, 6), (8, 8), (16, 8), (12, 4), (32, 16)])
    func gemmPackersMoveEveryFloat(_ panel: Int, _ step: Int) {
        var rng = RandomGenerator(seed: UInt64(panel * 100 + step))
        for transpose in [false, true] {
            for n in [1, 2, 5, 6, 7, 11, 12, 13, 17, 31, 33, 40] {
                for kc in [1, 3, 7, 8, 9, 15, 16, 17, 24, 63, 257] {
                    let ld = (transpose ? kc : n) + 3
                    let source = Self.randomBits((transpose ? n : kc) * ld, using: &rng)
                    let full = n / panel * panel, width = (n - full + step - 1) / step * step
                    var expected = [Float](repeating: Self.sentinel, count: (full + width) * kc)
                    for i in 0..<(full + width) {
                        for k in 0..<kc {
                            let value = i >= n ? 0 : transpose ? source[i * ld + k] : source[k * ld + i]
                            let at = i < full ? i / panel * panel * kc + k * panel + i % panel
                                : full * kc + k * width + i - full
                            expected[at] = value
                        }
                    }
                    let packed = Self.guarded(count: expected.count) {
                        gk_gemm_pack(transpose ? 1 : 0, source, ld, n, kc, panel, step, $0)
                    }
                    #expect(Self.firstDifference(packed, expected) == nil,
                            "\(Kernels.instructionSet) \(transpose ? "transpose" : "copy") n=\(n) kc=\(kc) P=\(panel)")
                }
            }
        }
    }

    // MARK: - Helpers

    static func randomBits(_ count: Int, using rng: inout RandomGenerator) -> [Float] {
        (0..<count).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
    }

    /// Where `buffer` (as `guarded` returns it) first differs bit for bit from `expected`
    /// between guards of sentinels: "guard" or "index", with both bit patterns.
    static func firstDifference(_ buffer: [Float], _ expected: [Float]) -> String? {
        let fence = [Float](repeating: sentinel, count: guardCount)
        let want = fence + expected + fence
        guard buffer.count == want.count else { return "\(buffer.count) floats, expected \(want.count)" }
        guard let at = want.indices.first(where: { buffer[$0].bitPattern != want[$0].bitPattern }) else { return nil }
        let place = at < guardCount || at >= guardCount + expected.count ? "guard" : "index \(at - guardCount)"
        let hex = { (x: Float) in "0x" + String(x.bitPattern, radix: 16) }
        return "\(place): \(hex(buffer[at])), expected \(hex(want[at]))"
    }

    /// Runs `body` on `values` (or `count` sentinels) placed between two guards of sentinels
    /// and returns the whole buffer, guards included.
    static func guarded(_ values: [Float]? = nil, count: Int = 0,
                        _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let inner = values ?? [Float](repeating: sentinel, count: count)
        let fence = [Float](repeating: sentinel, count: guardCount)
        var buffer = fence + inner + fence
        buffer.withUnsafeMutableBufferPointer { body($0.baseAddress! + guardCount) }
        return buffer
    }
}
