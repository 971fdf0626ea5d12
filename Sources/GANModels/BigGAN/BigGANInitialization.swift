import GANLayers
import GANTensor

extension Initializer {
    /// BigGAN-PyTorch's `init_weights` with `G_init`/`D_init` `'ortho'`: every convolution,
    /// linear and embedding weight below `module` (spectrally normalised ones: their
    /// `weight_orig`) drawn by `orthogonal`, in listing order; biases keep PyTorch's default
    /// draw, batch-norm and attention parameters their constants.
    static func bigGANOrthogonal(_ module: Module, using generator: inout RandomGenerator) {
        func initialize(_ m: Module) {
            switch m {
            case let layer as Conv2d: layer.weight.value = orthogonal(layer.weight.shape, using: &generator)
            case let layer as Linear: layer.weight.value = orthogonal(layer.weight.shape, using: &generator)
            case let layer as Embedding: layer.weight.value = orthogonal(layer.weight.shape, using: &generator)
            case let wrapper as SpectralNormWrapper: initialize(wrapper.wrappedLayer)
            default: break
            }
        }
        module.forEachModule(initialize)
    }
}
