import GANLayers
import GANTensor

/// A generator: latents `[N, latentDimension]` (and, for a conditional one, a class per
/// sample) to samples `[N] + dataShape`.
public protocol GeneratorNetwork: Module {
    /// Samples for latents `z` `[N, latentDimension]`; `labels` (N classes) for conditional
    /// generators, ignored otherwise.
    func generate(_ z: Tensor, labels: [Int]?) -> Tensor
}

/// A discriminator or critic: samples `[N] + dataShape` (and their classes, when conditional)
/// to raw scores `[N, 1]` (logits; no sigmoid).
public protocol DiscriminatorNetwork: Module {
    /// Scores `[N, 1]` for samples `x`.
    func score(_ x: Tensor, labels: [Int]?) -> Tensor
}

/// One-hot rows `[N, classCount]` for `labels`.
public func oneHot(_ labels: [Int], classCount: Int) -> Tensor {
    var values = [Float](repeating: 0, count: labels.count * classCount)
    for (i, label) in labels.enumerated() {
        precondition(label >= 0 && label < classCount, "oneHot: label \(label) outside 0..<\(classCount)")
        values[i * classCount + label] = 1
    }
    return Tensor(values, shape: [labels.count, classCount])
}

/// `x` `[N, F]` with the one-hot labels appended `[N, F + K]` (CGAN's conditioning of `z` and
/// of a flattened sample); `x` unchanged when `classCount` is 0.
func appendingOneHot(_ x: Tensor, labels: [Int]?, classCount: Int, network: String) -> Tensor {
    guard classCount > 0 else { return x }
    guard let labels else { preconditionFailure("\(network): a conditional network needs labels") }
    precondition(labels.count == x.shape[0], "\(network): \(labels.count) labels for a batch of \(x.shape[0])")
    return Tensor.concatenate([x, oneHot(labels, classCount: classCount)], axis: 1)
}

/// Images `[N, C, H, W]` with K one-hot label planes appended `[N, C + K, H, W]` (CGAN's
/// conditioning of a convolutional discriminator's input).
func appendingLabelPlanes(_ x: Tensor, labels: [Int]?, classCount: Int, network: String) -> Tensor {
    guard classCount > 0 else { return x }
    guard let labels else { preconditionFailure("\(network): a conditional network needs labels") }
    precondition(labels.count == x.shape[0], "\(network): \(labels.count) labels for a batch of \(x.shape[0])")
    let planes = oneHot(labels, classCount: classCount).reshaped([labels.count, classCount, 1, 1])
        * Tensor.ones([1, 1, x.shape[2], x.shape[3]])
    return Tensor.concatenate([x, planes], axis: 1)
}

