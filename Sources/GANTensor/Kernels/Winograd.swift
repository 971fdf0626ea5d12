import GANKernels

/// The forward 3×3 stride-1 convolution by Winograd's F(2×2, 3×3) (Lavin & Gray 2015), for
/// inference that asks for it (`conv2d(…, algorithm: .winograd)`): each 2×2 output tile is
/// `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` over its 4×4 input `d`, so the work is 16 GEMMs
/// `U_p [O, C] · V_p [C, tiles]`, 2.25× fewer multiply-adds than im2col. The values differ from
/// the direct sums by rounding (the transforms add and halve), so no graph path uses it.
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

    /// The smallest output plane worth it: on Inception's 8×8 maps (16 tiles an image, 448 → 384
    /// channels) Winograd measured no faster than im2col (45 against 38 ms for 16 images on one
    /// thread; 12–14% faster on 35×35 … 147×147).
    static let minimumPlane = 144

    /// The floats of transformed input or products a batch of tiles aims for (1 MiB).
    static let targetBatch = 1 << 18

    /// `y = epilogue(conv(x, w))`, image `n` written at `py + n * imageStride`.
    static func forward(
        _ px: UnsafePointer<Float>, weight pw: UnsafePointer<Float>, _ py: UnsafeMutablePointer<Float>,
        imageStride: Int, batch: Int, geometry g: ConvolutionGeometry, epilogue: ConvolutionKernels.Epilogue
    ) {
        let O = g.outputChannels, C = g.inputChannels, OH = g.outputHeight, OW = g.outputWidth
        let TY = (OH + 1) / 2, TX = (OW + 1) / 2
        let u = TensorStorage(uninitializedCount: 16 * O * C)
        gk_winograd_weights(pw, O, C, u.base)
        let weights = (0..<16).map { GEMM.PackedA(m: O, k: C, a: u.base + $0 * O * C, lda: C) }
        let plan = ConvolutionKernels.Plan(batch: batch, geometry: g, imagesPerChunk: 1)
        let tiles = Swift.max(64, targetBatch / (16 * Swift.max(C, O)))
        let rowsPerBatch = Swift.max(1, Swift.min(tiles / TX, plan.perThread * TY))
        let ld = rowsPerBatch * TX, single = plan.threads == 1
        let bias = epilogue.bias.base, relu: Int32 = epilogue.relu ? 1 : 0
        func work(_ t: Int) {
            let v = TensorStorage(uninitializedCount: 16 * C * ld), m = TensorStorage(uninitializedCount: 16 * O * ld)
            let scratch = TensorStorage(uninitializedCount: 8 * (TX + 1) + 4 * TX)
            defer { withExtendedLifetime((v, m, scratch, u)) {} }
            // Worker t's images, as Plan.run splits them; its tile rows numbered image by image.
            let first = Swift.min(batch, t * plan.perThread), end = Swift.min(batch, first + plan.perThread)
            let total = (end - first) * TY
            for start in stride(from: 0, to: total, by: rowsPerBatch) {
                let rows = start..<Swift.min(total, start + rowsPerBatch)
                for (k, r) in rows.enumerated() {
                    gk_winograd_input_row(px + (first + r / TY) * g.inputCount, C, g.inputHeight, g.inputWidth,
                                          g.paddingHeight, r % TY, TX, v.base + k * TX, ld, C * ld, scratch.base)
                }
                let count = rows.count * TX
                for p in 0..<16 {
                    weights[p].multiply(n: count, b: v.base + p * C * ld, ldb: ld, c: m.base + p * O * ld, ldc: ld,
                                        parallel: single)
                }
                for (k, r) in rows.enumerated() {
                    gk_winograd_output_row(m.base + k * TX, ld, O * ld, O, OH, OW, r % TY, TX, bias, relu,
                                           py + (first + r / TY) * imageStride, scratch.base)
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
