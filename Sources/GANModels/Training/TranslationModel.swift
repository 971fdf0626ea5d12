import GANTensor

/// A model that maps images of one domain to another (`gan translate`).
public protocol TranslationModel: TrainableModel {
    /// The shape of one image of domain A and of domain B.
    var domainShapes: (a: [Int], b: [Int]) { get }
    /// Images `[N] + shape` of the source domain translated, in evaluation mode, without a graph.
    func translate(_ images: Tensor, direction: TranslationDirection) -> Tensor
}

/// Which way a translation model maps.
public enum TranslationDirection: String, CaseIterable, Sendable {
    case aToB = "a2b"
    case bToA = "b2a"

    /// The other way.
    public var reversed: TranslationDirection { self == .aToB ? .bToA : .aToB }
}
