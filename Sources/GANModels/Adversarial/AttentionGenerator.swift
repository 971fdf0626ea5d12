import GANTensor

/// Where the queries of a generator's self-attention block look: `gan attention` draws it.
public struct AttentionMap {
    /// `[N, queries, keys]`, each row a softmax over the keys.
    public var weights: Tensor
    /// The side of the query grid (`queries = querySide²`).
    public var querySide: Int
    /// The side of the key grid (smaller than the query grid when keys are pooled, as BigGAN's).
    public var keySide: Int

    public init(weights: Tensor, querySide: Int, keySide: Int) {
        self.weights = weights
        self.querySide = querySide
        self.keySide = keySide
    }
}

/// A generator with a self-attention block (SAGAN, BigGAN).
public protocol AttentionGenerator: GeneratorNetwork {
    /// The attention weights of G's attention block for latents `z` (and labels), in evaluation
    /// or training mode as the module is; `nil` when the configuration has no attention.
    func attentionMap(_ z: Tensor, labels: [Int]?) -> AttentionMap?
}
