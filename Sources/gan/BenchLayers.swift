import GANTensor

/// One convolution layer of a reference model, timed forward and backward.
struct ConvLayerSpec {
    let model: String
    let name: String
    let transposed: Bool
    let inputChannels: Int
    let outputChannels: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    let inputSize: Int
    let bias: Bool

    /// The conv and transposed-conv layers of `dcgan28` and `dcgan64` in `../shared/bench`
    /// (the same list as `scripts/torch_layer_bench.py`).
    static let benchmarkLayers: [ConvLayerSpec] = [
        .init(model: "dcgan28", name: "D conv1 1→64 28→14", transposed: false, inputChannels: 1, outputChannels: 64, kernel: 4, stride: 2, padding: 1, inputSize: 28, bias: true),
        .init(model: "dcgan28", name: "D conv2 64→128 14→7", transposed: false, inputChannels: 64, outputChannels: 128, kernel: 4, stride: 2, padding: 1, inputSize: 14, bias: true),
        .init(model: "dcgan28", name: "G convT1 128→64 7→14", transposed: true, inputChannels: 128, outputChannels: 64, kernel: 4, stride: 2, padding: 1, inputSize: 7, bias: true),
        .init(model: "dcgan28", name: "G convT2 64→1 14→28", transposed: true, inputChannels: 64, outputChannels: 1, kernel: 4, stride: 2, padding: 1, inputSize: 14, bias: true),
        .init(model: "dcgan64", name: "G convT1 100→512 1→4", transposed: true, inputChannels: 100, outputChannels: 512, kernel: 4, stride: 1, padding: 0, inputSize: 1, bias: false),
        .init(model: "dcgan64", name: "G convT2 512→256 4→8", transposed: true, inputChannels: 512, outputChannels: 256, kernel: 4, stride: 2, padding: 1, inputSize: 4, bias: false),
        .init(model: "dcgan64", name: "G convT3 256→128 8→16", transposed: true, inputChannels: 256, outputChannels: 128, kernel: 4, stride: 2, padding: 1, inputSize: 8, bias: false),
        .init(model: "dcgan64", name: "G convT4 128→64 16→32", transposed: true, inputChannels: 128, outputChannels: 64, kernel: 4, stride: 2, padding: 1, inputSize: 16, bias: false),
        .init(model: "dcgan64", name: "G convT5 64→3 32→64", transposed: true, inputChannels: 64, outputChannels: 3, kernel: 4, stride: 2, padding: 1, inputSize: 32, bias: false),
        .init(model: "dcgan64", name: "D conv1 3→64 64→32", transposed: false, inputChannels: 3, outputChannels: 64, kernel: 4, stride: 2, padding: 1, inputSize: 64, bias: false),
        .init(model: "dcgan64", name: "D conv2 64→128 32→16", transposed: false, inputChannels: 64, outputChannels: 128, kernel: 4, stride: 2, padding: 1, inputSize: 32, bias: false),
        .init(model: "dcgan64", name: "D conv3 128→256 16→8", transposed: false, inputChannels: 128, outputChannels: 256, kernel: 4, stride: 2, padding: 1, inputSize: 16, bias: false),
        .init(model: "dcgan64", name: "D conv4 256→512 8→4", transposed: false, inputChannels: 256, outputChannels: 512, kernel: 4, stride: 2, padding: 1, inputSize: 8, bias: false),
        .init(model: "dcgan64", name: "D conv5 512→1 4→1", transposed: false, inputChannels: 512, outputChannels: 1, kernel: 4, stride: 1, padding: 0, inputSize: 4, bias: false),
    ]

    func apply(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
        let s = (stride, stride), p = (padding, padding)
        return transposed
            ? x.convTranspose2d(weight: weight, bias: bias, stride: s, padding: p)
            : x.conv2d(weight: weight, bias: bias, stride: s, padding: p)
    }

    /// Median forward and backward (input, weight and bias gradients) times in ms, and the
    /// CPU time of both together.
    func time(batchSize: Int, iterations: Int) -> (forward: Double, backward: Double, cpu: Double) {
        var rng = RandomGenerator(seed: 0)
        let weightShape = transposed ? [inputChannels, outputChannels, kernel, kernel]
                                     : [outputChannels, inputChannels, kernel, kernel]
        let x = Tensor.randomNormal([batchSize, inputChannels, inputSize, inputSize], using: &rng).requiringGradient()
        let w = (Tensor.randomNormal(weightShape, using: &rng) * 0.02).requiringGradient()
        let b = bias ? Tensor.zeros([outputChannels]).requiringGradient() : nil
        let inputs = [x, w] + (b.map { [$0] } ?? [])
        let probe = apply(x, w, b)
        let upstream = Tensor.randomNormal(probe.shape, using: &rng)
        let forward = medianMilliseconds(iterations: iterations) { _ = withoutGradients { apply(x, w, b) } }
        let total = medianTimes(iterations: iterations) {
            let y = apply(x, w, b)
            _ = gradients(of: y, wrt: inputs, gradient: upstream)
        }
        return (forward, Swift.max(0, total.wall - forward), total.cpu)
    }
}
