import GANKernels

/// The forward 3×3 stride-1 convolution by Winograd's minimal filtering (Lavin & Gray 2015), for
/// inference that asks for it (`conv2d(…, algorithm: .winograd)`): each 4×4 output tile is
/// `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` over its 6×6 input `d` (F(4×4, 3×3)), so the work is 36 GEMMs
/// `U_p [O, C] · V_p [C, tiles]`, 4× fewer multiply-adds than im2col. F(2×2, 3×3) (2×2 tiles,
/// 16 GEMMs, 2.25×) is kept for comparison and tests. The values differ from the direct sums by
/// rounding (the transforms add and scale), so no graph path uses it.
///
/// Tiles are taken a few tile rows at a time (across images when the image is small) so that
/// the transformed inputs and products stay in cache between the transforms and the GEMMs.
enum WinogradConvolution {
    /// Whether `g` is a convolution this computes: 3×3, stride 1, no dilation, one group, the
    /// same padding on both axes, and an output of at least `minimumPlane` positions.
    static func applies(to g: ConvolutionGeometry) -> Bool {
        g.outputPlane >= minimumPlane && g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.dilationHeight == 1 && g.dilationWidth == 1 && g.groups == 1
            && g.paddingHeight == g.paddingWidth
            && g.outputHeight == g.inputHeight + 2 * g.paddingHeight - 2
            && g.outputWidth == g.inputWidth + 2 * g.paddingWidth - 2
    }

    /// The smallest output plane worth it: on Inception's 8×8 maps (448 → 384 channels) neither
    /// tile size measured faster than im2col (F(2×2): 45 against 38 ms for 16 images on one
    /// thread; F(4×4): the whole network 9–13% slower), while 35×35 … 147×147 gain.
    static let minimumPlane = 144

    /// The floats of transformed input or products a batch of tiles aims for (1 MiB).
    static let targetBatch = 1 << 18

    /// The two algorithms: F(2×2, 3×3) and F(4×4, 3×3).
    enum Transform {
        case f2, f4

        /// Output tile side.
        var tile: Int { self == .f2 ? 2 : 4 }
        /// Products per tile: `(tile + 2)²`.
        var positions: Int { (tile + 2) * (tile + 2) }

        /// Scratch floats of one worker's transforms, `TX` tiles a row and `ld` a batch.
        func scratch(tilesPerRow TX: Int, batch ld: Int) -> Int {
            self == .f2 ? 8 * (TX + 1) + 4 * TX : 24 * Swift.max(TX + 1, ld)
        }
    }

    /// `y = epilogue(conv(x, w))`, image `n` written at `py + n * imageStride`.
    static func forward(
        _ px: UnsafePointer<Float>, weight pw: UnsafePointer<Float>, _ py: UnsafeMutablePointer<Float>,
        imageStride: Int, batch: Int, geometry g: ConvolutionGeometry, epilogue: ConvolutionKernels.Epilogue,
        transform f: Transform = .f4
    ) {
        let O = g.outputChannels, C = g.inputChannels, OH = g.outputHeight, OW = g.outputWidth
        let P = f.positions
        let TY = (OH + f.tile - 1) / f.tile, TX = (OW + f.tile - 1) / f.tile
        let u = TensorStorage(uninitializedCount: P * O * C)
        switch f {
        case .f2: gk_winograd_weights(pw, O, C, u.base)
        case .f4: gk_winograd4_weights(pw, O, C, u.base)
        }
        let weights = (0..<P).map { GEMM.PackedA(m: O, k: C, a: u.base + $0 * O * C, lda: C) }
        let plan = ConvolutionKernels.Plan(batch: batch, geometry: g, imagesPerChunk: 1)
        let tiles = Swift.max(64, targetBatch / (P * Swift.max(C, O)))
        let rowsPerBatch = Swift.max(1, Swift.min(tiles / TX, plan.perThread * TY))
        let ld = rowsPerBatch * TX, single = plan.threads == 1
        let bias = epilogue.bias.base, relu: Int32 = epilogue.relu ? 1 : 0
        func work(_ t: Int) {
            let v = TensorStorage(uninitializedCount: P * C * ld), m = TensorStorage(uninitializedCount: P * O * ld)
            let scratch = TensorStorage(uninitializedCount: f.scratch(tilesPerRow: TX, batch: ld))
            defer { withExtendedLifetime((v, m, scratch, u)) {} }
            // Worker t's images, as Plan.run splits them; its tile rows numbered image by image.
            let first = Swift.min(batch, t * plan.perThread), end = Swift.min(batch, first + plan.perThread)
            let total = (end - first) * TY
            for start in stride(from: 0, to: total, by: rowsPerBatch) {
                let rows = start..<Swift.min(total, start + rowsPerBatch)
                for (k, r) in rows.enumerated() {
                    let image = px + (first + r / TY) * g.inputCount
                    switch f {
                    case .f2:
                        gk_winograd_input_row(image, C, g.inputHeight, g.inputWidth, g.paddingHeight, r % TY, TX,
                                              v.base + k * TX, ld, C * ld, scratch.base)
                    case .f4:
                        gk_winograd4_input_row(image, C, g.inputHeight, g.inputWidth, g.paddingHeight, r % TY, TX,
                                               v.base + k * TX, ld, C * ld, scratch.base)
                    }
                }
                let count = rows.count * TX
                for p in 0..<P {
                    weights[p].multiply(n: count, b: v.base + p * C * ld, ldb: ld, c: m.base + p * O * ld, ldc: ld,
                                        parallel: single)
                }
                // F(4×4) transforms the whole batch at once (a row has as few as 9 tiles), then
                // copies row by row; F(2×2) does both a row at a time.
                if f == .f4 { gk_winograd4_output(m.base, ld, O * ld, O, count, bias, relu, scratch.base) }
                for (k, r) in rows.enumerated() {
                    let image = py + (first + r / TY) * imageStride
                    switch f {
                    case .f2:
                        gk_winograd_output_row(m.base + k * TX, ld, O * ld, O, OH, OW, r % TY, TX, bias, relu, image,
                                               scratch.base)
                    case .f4:
                        gk_winograd4_output_row(m.base + k * TX, ld, O * ld, O, OH, OW, r % TY, TX, image)
                    }
                }
            }
        }
        if single {
            work(0)
        } else {
            Parallel.forEach(plan.threads, costPerItem: Parallel.minimumParallelWork) { work($0) }
        }
    }
}
