import GANKernels

/// The per-image shape of one 2-D convolution `y = conv(x, w)` (cross-correlation, PyTorch's
/// `F.conv2d`): `x` is `[C, H, W]`, `w` is `[O, C / groups, KH, KW]`, `y` is `[O, OH, OW]`.
///
/// The transposed convolution and the weight gradient are described by the geometry of the
/// convolution they are the adjoint / derivative of. `outputHeight` may be smaller than the
/// natural output size (a transposed convolution with `outputPadding >= stride`, allowed when
/// `outputPadding < dilation`, is the adjoint of a convolution that keeps only the first rows).
struct ConvolutionGeometry: Equatable, Sendable {
    var inputChannels: Int, inputHeight: Int, inputWidth: Int
    var outputChannels: Int, outputHeight: Int, outputWidth: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideHeight: Int, strideWidth: Int
    var paddingHeight: Int, paddingWidth: Int
    var dilationHeight: Int, dilationWidth: Int
    var groups: Int

    /// Output elements per channel: `OH * OW`.
    var outputPlane: Int { outputHeight * outputWidth }
    /// Input elements per image: `C * H * W`.
    var inputCount: Int { inputChannels * inputHeight * inputWidth }
    /// Output elements per image: `O * OH * OW`.
    var outputCount: Int { outputChannels * outputPlane }
    /// Rows of the im2col matrix: `C * KH * KW`.
    var patchRows: Int { inputChannels * kernelHeight * kernelWidth }
    /// Rows of one group's slice of the im2col matrix: `C / groups * KH * KW`.
    var groupPatchRows: Int { patchRows / groups }
    /// Output channels per group.
    var groupOutputChannels: Int { outputChannels / groups }
    /// Weight elements: `O * C / groups * KH * KW`.
    var weightCount: Int { outputChannels * groupPatchRows }

    /// A 1×1 convolution with stride 1 and no padding: the im2col matrix is the image itself.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
            && paddingHeight == 0 && paddingWidth == 0
            && outputHeight == inputHeight && outputWidth == inputWidth
    }

    /// A convolution whose kernel covers the whole unpadded input and gives one output
    /// position: a fully connected layer (`[N, C*H*W] · wᵀ`), no im2col needed.
    var isDense: Bool {
        outputHeight == 1 && outputWidth == 1 && kernelHeight == inputHeight && kernelWidth == inputWidth
            && paddingHeight == 0 && paddingWidth == 0 && dilationHeight == 1 && dilationWidth == 1 && groups == 1
    }

    /// The natural output size along one axis: `(size + 2p - d(k - 1) - 1) / s + 1`
    /// (may be below 1 when the kernel does not fit).
    static func outputSize(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        let span = input + 2 * padding - dilation * (kernel - 1) - 1
        return span < 0 ? 0 : span / stride + 1
    }
}

/// im2col + GEMM convolution kernels: the forward convolution, its adjoint with respect to
/// the input (the transposed convolution) and its derivative with respect to the weight.
///
/// Images are processed in chunks of `B` images whose im2col matrices sit side by side
/// (`[C * KH * KW, B * OH * OW]`), so that small feature maps still give the GEMM wide
/// matrices. With two or more images the chunks are spread across threads, each thread
/// running single-threaded GEMMs on its own buffers; a single image runs parallel GEMMs.
/// A worker's im2col buffer is zeroed once: padding taps sit at the same places in every
/// chunk, so im2col then writes only the taps inside the image.
enum ConvolutionKernels {
    /// The GEMM width a chunk aims for, measured on the dcgan layers at batch 64 with the
    /// worker pool: 512 columns (capped by the 2 MiB buffer) took dcgan28's step from 94–95 to
    /// 86–91 ms and dcgan64's from 1056–1104 to 1040–1084 against 256; 128, 768 and 1024
    /// (with a 4 MiB buffer) were no better. It sets how many images one weight-gradient GEMM
    /// sums, so changing it changes the gradients' rounding.
    static let targetColumns = 512
    /// The largest im2col buffer per thread, in floats (2 MiB, one core's L2 cache).
    static let maximumColumnBuffer = 1 << 19

    /// How images are split: `threads` workers, each taking `perThread` consecutive images in
    /// chunks of at most `imagesPerChunk`.
    struct Plan {
        var threads: Int
        var perThread: Int
        var imagesPerChunk: Int

        init(batch: Int, geometry g: ConvolutionGeometry, imagesPerChunk requested: Int? = nil) {
            // Multiply-adds of the whole job; small jobs stay on the calling thread.
            let work = batch * g.outputCount * g.groupPatchRows
            threads = batch >= 2 && work >= Parallel.minimumParallelWork * 8 ? Swift.min(Parallel.threadCount, batch) : 1
            perThread = (batch + threads - 1) / threads
            let plane = Swift.max(g.outputPlane, 1)
            var chunk = requested ?? (targetColumns + plane - 1) / plane
            if requested == nil {
                chunk = Swift.min(chunk, Swift.max(1, maximumColumnBuffer / Swift.max(1, g.patchRows * plane)))
            }
            imagesPerChunk = Swift.max(1, Swift.min(chunk, perThread))
        }

        /// A worker's scratch matrices, `ld = imagesPerChunk * OH * OW` floats per row.
        struct Buffers {
            /// The im2col matrix `[C * KH * KW, ld]`, zero at every padding tap.
            let columns: UnsafeMutablePointer<Float>
            /// An output-shaped matrix `[O, ld]`.
            let outputs: UnsafeMutablePointer<Float>
            let ld: Int
        }

        /// Calls `body` for every chunk of images, a worker's chunks in order on one thread.
        /// A worker's images are split into equal chunks (32 images in chunks of at most 6
        /// become 5, 5, 6, 5, 5, 6). `parallelGEMM` tells whether the GEMMs may split across
        /// threads (one worker only).
        func run(
            batch: Int, geometry g: ConvolutionGeometry, columns: Bool, outputs: Bool,
            _ body: (_ worker: Int, _ images: Range<Int>, _ parallelGEMM: Bool, _ buffers: Buffers) -> Void
        ) {
            let ld = imagesPerChunk * g.outputPlane
            let columnCount = columns ? g.patchRows * ld : 0, outputCount = outputs ? g.outputChannels * ld : 0
            let per = perThread, step = imagesPerChunk, single = threads == 1
            func work(_ t: Int) {
                // From the storage pool: a block of 1 MiB or more is reused, not faulted in again.
                let storage = TensorStorage(uninitializedCount: Swift.max(1, columnCount + outputCount))
                defer { withExtendedLifetime(storage) {} }
                let scratch = storage.base
                if columns && ConvolutionKernels.hasPadding(g) {
                    scratch.initialize(repeating: 0, count: columnCount)
                }
                let buffers = Buffers(columns: scratch, outputs: scratch + columnCount, ld: ld)
                let first = t * per, count = Swift.max(0, Swift.min(batch, first + per) - first)
                let chunks = (count + step - 1) / step
                for k in 0..<chunks {
                    body(t, (first + count * k / chunks)..<(first + count * (k + 1) / chunks), single, buffers)
                }
            }
            if single {
                work(0)
            } else {
                Parallel.forEach(threads, costPerItem: Parallel.minimumParallelWork) { work($0) }
            }
        }
    }

    // MARK: - The three operations

    /// What a forward convolution applies to each block of its output right after the GEMM
    /// wrote it (still in cache): a bias per output channel, then optionally ReLU. Only for
    /// results no graph needs (inference); the bits equal `y + bias` then `relu()`.
    struct Epilogue {
        /// `[O]`.
        let bias: TensorStorage
        let relu: Bool
        /// Whether a 3×3 stride-1 convolution may use Winograd's algorithm (not the same bits).
        var winograd = false

        /// Applies to `channels` rows of `count` values, rows `ld` floats apart.
        @inline(__always)
        func apply(_ y: UnsafeMutablePointer<Float>, channels: Int, count: Int, ld: Int) {
            let b = bias.base
            for o in 0..<channels {
                let row = y + o * ld
                if relu {
                    gk_bias_relu(row, row, count, b[o])
                } else {
                    gk_binary(Int32(GK_ADD), row, 1, b + o, 0, row, count)
                }
            }
        }

        /// Applies to `channels` rows of `count` values of `src` (rows `ld` floats apart) and
        /// writes them to `dst` (rows `count` floats apart): the same bits as `apply` then a copy.
        @inline(__always)
        func apply(from src: UnsafePointer<Float>, ld: Int, to dst: UnsafeMutablePointer<Float>, channels: Int, count: Int) {
            let b = bias.base
            for o in 0..<channels {
                if relu {
                    gk_bias_relu(src + o * ld, dst + o * count, count, b[o])
                } else {
                    gk_binary(Int32(GK_ADD), src + o * ld, 1, b + o, 0, dst + o * count, count)
                }
            }
        }
    }

    /// The largest im2col band of one image, in floats (1 MiB): a band this size is still in
    /// cache when the GEMM packs it.
    static let maximumBand = 1 << 18

    /// `y[N, O, OH, OW] = conv(x[N, C, H, W], w[O, C / groups, KH, KW])`, then `epilogue`.
    static func forward(
        input x: TensorStorage, weight w: TensorStorage, batch: Int, geometry g: ConvolutionGeometry,
        imagesPerChunk: Int? = nil, epilogue: Epilogue? = nil
    ) -> TensorStorage {
        let y = TensorStorage(uninitializedCount: batch * g.outputCount)
        forward(input: x, weight: w, batch: batch, geometry: g, into: y.base, imageStride: g.outputCount,
                imagesPerChunk: imagesPerChunk, epilogue: epilogue)
        return y
    }

    /// `forward` writing image `n`'s `[O, OH, OW]` planes at `py + n * imageStride` (`imageStride
    /// >= O * OH * OW`): a new tensor, or a channel slice of a larger one, so that a concatenation
    /// along channels copies nothing.
    static func forward(
        input x: TensorStorage, weight w: TensorStorage, batch: Int, geometry g: ConvolutionGeometry,
        into py: UnsafeMutablePointer<Float>, imageStride: Int, imagesPerChunk: Int? = nil, epilogue: Epilogue? = nil
    ) {
        if g.isDense && imagesPerChunk == nil {
            // y [N, O] = x [N, C*KH*KW] · wᵀ
            GEMM.multiply(transposeB: true, m: batch, n: g.outputChannels, k: g.patchRows,
                          a: x.base, lda: g.patchRows, b: w.base, ldb: g.patchRows, c: py, ldc: imageStride)
            if let epilogue {
                for n in 0..<batch { epilogue.apply(py + n * imageStride, channels: g.outputChannels, count: 1, ld: 1) }
            }
            return
        }
        if let epilogue, epilogue.winograd, WinogradConvolution.applies(to: g) {
            WinogradConvolution.forward(x.base, weight: w.base, py, imageStride: imageStride, batch: batch, geometry: g,
                                        epilogue: epilogue)
            return
        }
        let L = g.outputPlane, rows = g.groupPatchRows, og = g.groupOutputChannels
        let px = x.base, pw = w.base
        // The weight is packed once for every band and chunk (the same bits as packing per GEMM).
        let weights = (0..<g.groups).map { GEMM.PackedA(m: og, k: rows, a: pw + $0 * og * rows, lda: rows) }
        defer { withExtendedLifetime(w) {} }
        let plan = Plan(batch: batch, geometry: g, imagesPerChunk: imagesPerChunk)
        let direct = plan.imagesPerChunk == 1
        let pointwise = direct && g.isPointwise
        if direct && !pointwise && g.patchRows * L > maximumBand {
            forwardInBands(px, weights, py, imageStride: imageStride, batch: batch, geometry: g, plan: plan,
                           epilogue: epilogue)
            return
        }
        plan.run(batch: batch, geometry: g, columns: !pointwise, outputs: !direct) { _, images, parallel, buffers in
            let B = images.count, ld = buffers.ld
            // The im2col matrix [C*KH*KW, B*L] (the image itself for a pointwise convolution).
            let columns: UnsafePointer<Float>
            if pointwise {
                columns = UnsafePointer(px + images.lowerBound * g.inputCount)
            } else {
                for (b, n) in images.enumerated() {
                    im2col(px + n * g.inputCount, g, into: buffers.columns + b * L, ld: ld)
                }
                columns = UnsafePointer(buffers.columns)
            }
            // One image at a time writes straight into y; a chunk goes through [O, B*L].
            let target = direct ? py + images.lowerBound * imageStride : buffers.outputs
            for group in 0..<g.groups {
                weights[group].multiply(n: B * L, b: columns + group * rows * ld, ldb: ld,
                                        c: target + group * og * ld, ldc: ld, parallel: parallel)
            }
            if direct {
                epilogue?.apply(target, channels: g.outputChannels, count: B * L, ld: ld)
            } else {
                // The epilogue reads the chunk's block and writes each image's planes.
                for (b, n) in images.enumerated() {
                    let dst = py + n * imageStride
                    if let epilogue {
                        epilogue.apply(from: buffers.outputs + b * L, ld: ld, to: dst, channels: g.outputChannels, count: L)
                    } else {
                        copyPlanes(from: buffers.outputs + b * L, ld: ld, to: dst, channels: g.outputChannels, plane: L)
                    }
                }
            }
        }
    }

    /// `forward` one image at a time in bands of output rows, for an image whose im2col matrix
    /// would not fit in cache (Inception's 3×3 stem: 288 × 147² floats, 25 MB, written to memory
    /// and read back by the GEMM's packing). Each band's matrix is made, multiplied into its
    /// rows of `y` and given the epilogue while it is in cache. Each output is the same sum in
    /// the same order as unbanded (the GEMM blocks only K), so the bits do not change.
    private static func forwardInBands(
        _ px: UnsafeMutablePointer<Float>, _ weights: [GEMM.PackedA], _ py: UnsafeMutablePointer<Float>,
        imageStride: Int, batch: Int, geometry g: ConvolutionGeometry, plan: Plan, epilogue: Epilogue?
    ) {
        let L = g.outputPlane, OW = g.outputWidth, rows = g.groupPatchRows, og = g.groupOutputChannels
        let bands = (g.patchRows * L + maximumBand - 1) / maximumBand
        let bandRows = (g.outputHeight + bands - 1) / bands
        let single = plan.threads == 1
        func work(_ t: Int) {
            let storage = TensorStorage(uninitializedCount: g.patchRows * bandRows * OW)
            defer { withExtendedLifetime(storage) {} }
            let columns = storage.base
            // Worker t's images, as Plan.run splits them (empty for a worker past the batch).
            let first = Swift.min(batch, t * plan.perThread), end = Swift.min(batch, first + plan.perThread)
            for n in first..<end {
                for r0 in stride(from: 0, to: g.outputHeight, by: bandRows) {
                    let r1 = Swift.min(g.outputHeight, r0 + bandRows), count = (r1 - r0) * OW
                    gk_im2col_rows(px + n * g.inputCount, g.inputChannels, g.inputHeight, g.inputWidth,
                                   g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth,
                                   g.paddingHeight, g.paddingWidth, g.dilationHeight, g.dilationWidth,
                                   g.outputHeight, OW, r0, r1, columns, count)
                    let target = py + n * imageStride + r0 * OW
                    for group in 0..<g.groups {
                        weights[group].multiply(n: count, b: columns + group * rows * count, ldb: count,
                                                c: target + group * og * L, ldc: L, parallel: single)
                    }
                    epilogue?.apply(target, channels: g.outputChannels, count: count, ld: L)
                }
            }
        }
        if single {
            work(0)
        } else {
            Parallel.forEach(plan.threads, costPerItem: Parallel.minimumParallelWork) { work($0) }
        }
    }

    /// `x[N, C, H, W] = convᵀ(y[N, O, OH, OW], w)`: the adjoint of `forward` with respect to its
    /// input — the transposed convolution, and the input gradient of a convolution.
    static func adjoint(
        output y: TensorStorage, weight w: TensorStorage, batch: Int, geometry g: ConvolutionGeometry,
        imagesPerChunk: Int? = nil
    ) -> TensorStorage {
        if g.isDense && imagesPerChunk == nil {
            // x [N, C*KH*KW] = y [N, O] · w
            let x = TensorStorage(uninitializedCount: batch * g.inputCount)
            GEMM.multiply(m: batch, n: g.patchRows, k: g.outputChannels,
                          a: y.base, lda: g.outputChannels, b: w.base, ldb: g.patchRows, c: x.base, ldc: g.patchRows)
            return x
        }
        let L = g.outputPlane, rows = g.groupPatchRows, og = g.groupOutputChannels
        let plan = Plan(batch: batch, geometry: g, imagesPerChunk: imagesPerChunk)
        let direct = plan.imagesPerChunk == 1
        let pointwise = direct && g.isPointwise
        // A pointwise GEMM writes every element; col2im accumulates into zeros.
        let x = pointwise ? TensorStorage(uninitializedCount: batch * g.inputCount)
                          : TensorStorage(zeros: batch * g.inputCount)
        let px = x.base, pw = w.base, py = y.base
        plan.run(batch: batch, geometry: g, columns: !pointwise, outputs: !direct) { _, images, parallel, buffers in
            let B = images.count, ld = buffers.ld
            let source: UnsafePointer<Float>
            if direct {
                source = UnsafePointer(py + images.lowerBound * g.outputCount)
            } else {
                gatherPlanes(from: py, images: images, geometry: g, into: buffers.outputs, ld: ld)
                source = UnsafePointer(buffers.outputs)
            }
            let col = pointwise ? px + images.lowerBound * g.inputCount : buffers.columns
            for group in 0..<g.groups {
                // col_g [rows, B*L] = w_gᵀ [rows, og] · y_g [og, B*L]
                GEMM.multiply(transposeA: true, m: rows, n: B * L, k: og,
                              a: pw + group * og * rows, lda: rows,
                              b: source + group * og * ld, ldb: ld,
                              c: col + group * rows * ld, ldc: ld, parallel: parallel)
            }
            if !pointwise {
                for (b, n) in images.enumerated() {
                    col2im(col + b * L, ld: ld, g, into: px + n * g.inputCount)
                }
            }
        }
        return x
    }

    /// `dw[O, C / groups, KH, KW] = Σ_n gy[n] · im2col(x[n])ᵀ`: the gradient of
    /// `<conv(x, w), gy>` with respect to `w`.
    static func weightGradient(
        input x: TensorStorage, outputGradient gy: TensorStorage, batch: Int, geometry g: ConvolutionGeometry,
        imagesPerChunk: Int? = nil
    ) -> TensorStorage {
        let count = g.weightCount
        if g.isDense && imagesPerChunk == nil {
            // dw [O, C*KH*KW] = gyᵀ [O, N] · x [N, C*KH*KW]
            let dw = TensorStorage(uninitializedCount: count)
            if batch == 0 { dw.base.initialize(repeating: 0, count: count) }
            GEMM.multiply(transposeA: true, m: g.outputChannels, n: g.patchRows, k: batch,
                          a: gy.base, lda: g.outputChannels, b: x.base, ldb: g.patchRows, c: dw.base, ldc: g.patchRows)
            return dw
        }
        let plan = Plan(batch: batch, geometry: g, imagesPerChunk: imagesPerChunk)
        // One accumulator per worker; worker 0 accumulates into the result.
        let result = TensorStorage(zeros: count)
        let partials = plan.threads > 1 ? TensorStorage(zeros: (plan.threads - 1) * count) : nil
        let L = g.outputPlane, rows = g.groupPatchRows, og = g.groupOutputChannels
        let px = x.base, pgy = gy.base
        let direct = plan.imagesPerChunk == 1
        let pointwise = direct && g.isPointwise
        plan.run(batch: batch, geometry: g, columns: !pointwise, outputs: !direct) { worker, images, parallel, buffers in
            let accumulator = worker == 0 ? result.base : partials!.base + (worker - 1) * count
            let B = images.count, ld = buffers.ld
            let source: UnsafePointer<Float>
            if direct {
                source = UnsafePointer(pgy + images.lowerBound * g.outputCount)
            } else {
                gatherPlanes(from: pgy, images: images, geometry: g, into: buffers.outputs, ld: ld)
                source = UnsafePointer(buffers.outputs)
            }
            let columns: UnsafePointer<Float>
            if pointwise {
                columns = UnsafePointer(px + images.lowerBound * g.inputCount)
            } else {
                for (b, n) in images.enumerated() {
                    im2col(px + n * g.inputCount, g, into: buffers.columns + b * L, ld: ld)
                }
                columns = UnsafePointer(buffers.columns)
            }
            for group in 0..<g.groups {
                // dw_g [og, rows] += gy_g [og, B*L] · col_g [rows, B*L]ᵀ
                GEMM.multiply(transposeB: true, m: og, n: rows, k: B * L,
                              a: source + group * og * ld, lda: ld,
                              b: columns + group * rows * ld, ldb: ld,
                              beta: 1, c: accumulator + group * og * rows, ldc: rows, parallel: parallel)
            }
        }
        if let partials {
            let dst = result.base, src = partials.base
            for t in 0..<(plan.threads - 1) {
                let p = src + t * count
                for i in 0..<count { dst[i] += p[i] }
            }
        }
        return result
    }

    // MARK: - Helpers

    /// `dst[c * ld + b * L ..< … + L] = y[n, c]` for the chunk's images (`b` = position in chunk).
    private static func gatherPlanes(
        from y: UnsafeMutablePointer<Float>, images: Range<Int>, geometry g: ConvolutionGeometry,
        into dst: UnsafeMutablePointer<Float>, ld: Int
    ) {
        let L = g.outputPlane
        for (b, n) in images.enumerated() {
            let src = y + n * g.outputCount
            for o in 0..<g.outputChannels {
                (dst + o * ld + b * L).update(from: src + o * L, count: L)
            }
        }
    }

    /// `dst[c, 0..<plane] = src[c * ld ..< c * ld + plane]` for every channel.
    @inline(__always)
    private static func copyPlanes(
        from src: UnsafePointer<Float>, ld: Int, to dst: UnsafeMutablePointer<Float>, channels: Int, plane: Int
    ) {
        for c in 0..<channels {
            (dst + c * plane).update(from: src + c * ld, count: plane)
        }
    }

    /// Outputs `o` with `0 <= o * stride + offset < size`, clamped to `0..<count`.
    @inline(__always)
    static func validRange(offset: Int, stride: Int, size: Int, count: Int) -> Range<Int> {
        let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let hi = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1
        let l = Swift.min(lo, count), h = Swift.min(hi, count)
        return l..<Swift.max(l, h)
    }

    /// Whether some tap of some output falls outside the image (into the padding).
    static func hasPadding(_ g: ConvolutionGeometry) -> Bool {
        for i in 0..<g.kernelHeight where validRange(
            offset: i * g.dilationHeight - g.paddingHeight, stride: g.strideHeight,
            size: g.inputHeight, count: g.outputHeight).count < g.outputHeight { return true }
        for j in 0..<g.kernelWidth where validRange(
            offset: j * g.dilationWidth - g.paddingWidth, stride: g.strideWidth,
            size: g.inputWidth, count: g.outputWidth).count < g.outputWidth { return true }
        return false
    }

    /// Writes the im2col matrix of one image `x[C, H, W]` into `col`: row `(c*KH + i)*KW + j`,
    /// `OH * OW` columns, consecutive rows `ld` floats apart. Only taps inside the image are
    /// written: the padding taps of `col` must already be zero.
    @inline(__always)
    static func im2col(
        _ x: UnsafePointer<Float>, _ g: ConvolutionGeometry, into col: UnsafeMutablePointer<Float>, ld: Int
    ) {
        gk_im2col(x, g.inputChannels, g.inputHeight, g.inputWidth, g.kernelHeight, g.kernelWidth,
                  g.strideHeight, g.strideWidth, g.paddingHeight, g.paddingWidth, g.dilationHeight,
                  g.dilationWidth, g.outputHeight, g.outputWidth, col, ld)
    }

    /// The adjoint of `im2col`: accumulates the taps of `col` (rows `ld` floats apart) that lie
    /// inside the image into `x[C, H, W]`.
    @inline(__always)
    static func col2im(
        _ col: UnsafePointer<Float>, ld: Int, _ g: ConvolutionGeometry, into x: UnsafeMutablePointer<Float>
    ) {
        gk_col2im(col, ld, g.inputChannels, g.inputHeight, g.inputWidth, g.kernelHeight, g.kernelWidth,
                  g.strideHeight, g.strideWidth, g.paddingHeight, g.paddingWidth, g.dilationHeight,
                  g.dilationWidth, g.outputHeight, g.outputWidth, x)
    }
}
