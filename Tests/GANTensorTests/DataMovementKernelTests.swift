import Testing
import GANKernels
@testable import GANTensor

/// GEMM's panel packers and im2col only move floats, and col2im adds each col value to one
/// image value in a fixed order, so their vector paths (AVX-512, AVX2) must give the portable
/// loops' bits exactly. These compare the path in effect with Swift loops of each kernel's
/// contract; `.ci/run` runs GANTensorTests again under `GAN_KERNELS_ISA=avx2` and `generic`,
/// so every path meets the same loops. Shapes sit around the vector widths (tails of 1..8,
/// kc not a multiple of 8, partial panels); sources are random bit patterns (NaN payloads,
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

    /// Convolution geometries whose rows inside the image are 1..19 floats at stride 1 and 2
    /// (plus stride 3, the portable fallback), with padding, dilation, 1×7 kernels and wide
    /// padding.
    struct Geometry: CustomStringConvertible, Sendable {
        var channels = 2, height = 5, width: Int
        var kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation = (1, 1)
        var outputHeight: Int { (height + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1 }
        var outputWidth: Int { (width + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1 }
        var rows: Int { channels * kernel.0 * kernel.1 }
        var description: String { "W=\(width) k\(kernel) s\(stride) p\(padding) d\(dilation)" }

        /// Image index of tap (c, i, j) of output (oh, ow), nil in the padding.
        func tap(_ c: Int, _ i: Int, _ j: Int, _ oh: Int, _ ow: Int) -> Int? {
            let ih = oh * stride.0 + i * dilation.0 - padding.0, iw = ow * stride.1 + j * dilation.1 - padding.1
            guard ih >= 0, ih < height, iw >= 0, iw < width else { return nil }
            return (c * height + ih) * width + iw
        }
    }

    static let geometries: [Geometry] = [1, 2, 3, 7, 8, 9, 14, 15, 16, 17, 18, 19, 28, 33].flatMap { w in
        [Geometry(width: w, kernel: (4, 4), stride: (2, 2), padding: (1, 1)),
         Geometry(width: w, kernel: (3, 3), stride: (1, 1), padding: (1, 1)),
         Geometry(width: w, kernel: (1, 1), stride: (1, 1), padding: (0, 0)),
         Geometry(width: w, kernel: (3, 5), stride: (2, 2), padding: (0, 2)),
         Geometry(width: w, kernel: (3, 3), stride: (1, 2), padding: (1, 0), dilation: (1, 2)),
         Geometry(width: w, kernel: (1, 7), stride: (1, 1), padding: (0, 3)),
         Geometry(width: w, kernel: (2, 3), stride: (2, 1), padding: (0, 1), dilation: (2, 3)),
         Geometry(width: w, kernel: (3, 3), stride: (3, 3), padding: (1, 1)),
         // Stride-2 rows with 1..3 and 9..10 padding taps at either end.
         Geometry(width: w, kernel: (3, 7), stride: (2, 2), padding: (1, 6)),
         Geometry(width: w, kernel: (1, 9), stride: (1, 2), padding: (0, 20))]
    }.filter { $0.outputHeight >= 1 && $0.outputWidth >= 1 }

    /// im2col writes exactly the taps inside the image; col2im adds them back in the loop
    /// nest's order (c, i, j, then output position), so one Float sum per image value.
    @Test(arguments: geometries)
    func im2colAndCol2imMatchLoops(_ g: Geometry) {
        var rng = RandomGenerator(seed: UInt64(g.width))
        let plane = g.outputHeight * g.outputWidth, ld = plane + 3
        let image = Self.randomBits(g.channels * g.height * g.width, using: &rng)
        var columns = [Float](repeating: Self.sentinel, count: (g.rows - 1) * ld + plane)
        Self.forEachTap(g) { row, position, at in columns[row * ld + position] = image[at] }
        let got = Self.guarded(count: columns.count) {
            gk_im2col(image, g.channels, g.height, g.width, g.kernel.0, g.kernel.1, g.stride.0, g.stride.1,
                      g.padding.0, g.padding.1, g.dilation.0, g.dilation.1, g.outputHeight, g.outputWidth, $0, ld)
        }
        #expect(Self.firstDifference(got, columns) == nil, "\(Kernels.instructionSet) im2col \(g)")

        // Normal values (sums of NaNs would hide misplaced adds), with -0 in the image: adding
        // +0 to a value the adjoint should leave alone turns it into +0.
        let col = (0..<columns.count).map { _ in Float(Int(rng.next() % 2001) - 1000) / 37 }
        let start = (0..<image.count).map { _ in rng.next() % 4 == 0 ? -0.0 : Float(Int(rng.next() % 2001) - 1000) / 37 }
        var sums = start
        Self.forEachTap(g) { row, position, at in sums[at] += col[row * ld + position] }
        let added = Self.guarded(start) {
            gk_col2im(col, ld, g.channels, g.height, g.width, g.kernel.0, g.kernel.1, g.stride.0, g.stride.1,
                      g.padding.0, g.padding.1, g.dilation.0, g.dilation.1, g.outputHeight, g.outputWidth, $0)
        }
        #expect(Self.firstDifference(added, sums) == nil, "\(Kernels.instructionSet) col2im \(g)")
    }

    /// The banded im2col (Inception's large layers) writes every value of its rows, zeros in
    /// the padding, for first, middle and last bands.
    @Test(arguments: geometries)
    func im2colRowsMatchLoops(_ g: Geometry) {
        var rng = RandomGenerator(seed: UInt64(g.width) + 100)
        let image = Self.randomBits(g.channels * g.height * g.width, using: &rng)
        let oh = g.outputHeight, ow = g.outputWidth
        var bands = [(0, oh), (0, 1), (oh - 1, oh)]
        if oh > 2 { bands.append((1, oh - 1)) }
        for (first, end) in bands {
            let count = (end - first) * ow, ld = count + 2
            var expected = [Float](repeating: Self.sentinel, count: (g.rows - 1) * ld + count)
            for row in 0..<g.rows {
                let (c, i, j) = (row / (g.kernel.0 * g.kernel.1), row / g.kernel.1 % g.kernel.0, row % g.kernel.1)
                for r in first..<end {
                    for o in 0..<ow { expected[row * ld + (r - first) * ow + o] = g.tap(c, i, j, r, o).map { image[$0] } ?? 0 }
                }
            }
            let got = Self.guarded(count: expected.count) {
                gk_im2col_rows(image, g.channels, g.height, g.width, g.kernel.0, g.kernel.1, g.stride.0, g.stride.1,
                               g.padding.0, g.padding.1, g.dilation.0, g.dilation.1, oh, ow, first, end, $0, ld)
            }
            #expect(Self.firstDifference(got, expected) == nil, "\(Kernels.instructionSet) rows \(first)..<\(end) \(g)")
        }
    }

    // MARK: - Helpers

    /// body(row of col, position in the row, image index) for every tap inside the image, in
    /// the kernels' order.
    static func forEachTap(_ g: Geometry, _ body: (Int, Int, Int) -> Void) {
        for c in 0..<g.channels {
            for i in 0..<g.kernel.0 {
                for j in 0..<g.kernel.1 {
                    for oh in 0..<g.outputHeight {
                        for ow in 0..<g.outputWidth {
                            if let at = g.tap(c, i, j, oh, ow) {
                                body((c * g.kernel.0 + i) * g.kernel.1 + j, oh * g.outputWidth + ow, at)
                            }
                        }
                    }
                }
            }
        }
    }

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
