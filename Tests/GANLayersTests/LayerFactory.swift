import Foundation
import GANTensor
@testable import GANLayers
import GANTestSupport

/// A layer under test and how to call it with a fixture case's inputs.
struct LayerUnderTest {
    let module: Module
    /// (x, second input, labels) → y.
    let forward: (Tensor?, Tensor?, [Int]?) -> Tensor
}

/// Reads initialiser arguments written as JSON by scripts/make_layer_fixtures.py.
struct Arguments {
    let values: [String: Any]

    func int(_ key: String, _ fallback: Int = 0) -> Int { (values[key] as? NSNumber)?.intValue ?? fallback }
    func float(_ key: String, _ fallback: Float) -> Float { (values[key] as? NSNumber)?.floatValue ?? fallback }
    func optionalFloat(_ key: String, _ fallback: Float?) -> Float? {
        guard let v = values[key] else { return fallback }
        return (v as? NSNumber)?.floatValue  // JSON null: nil
    }
    func bool(_ key: String, _ fallback: Bool) -> Bool { (values[key] as? Bool) ?? fallback }
    func string(_ key: String, _ fallback: String) -> String { (values[key] as? String) ?? fallback }
    func ints(_ key: String) -> [Int] { (values[key] as? [NSNumber])?.map(\.intValue) ?? [] }
}

/// Builds the Swift layer a fixture case describes (weights are loaded afterwards).
func makeLayer(_ name: String, _ a: Arguments) -> LayerUnderTest {
    var rng = RandomGenerator(seed: 1)
    func unary(_ m: some UnaryLayer) -> LayerUnderTest {
        LayerUnderTest(module: m) { x, _, _ in m(x!) }
    }
    func linear() -> Linear {
        Linear(inputFeatures: a.int("inputFeatures"), outputFeatures: a.int("outputFeatures"),
               bias: a.bool("bias", true), using: &rng)
    }
    func conv() -> Conv2d {
        Conv2d(inputChannels: a.int("inputChannels"), outputChannels: a.int("outputChannels"),
               kernelSize: a.int("kernelSize"), stride: a.int("stride", 1), padding: a.int("padding"),
               dilation: a.int("dilation", 1), groups: a.int("groups", 1), bias: a.bool("bias", true), using: &rng)
    }
    func convTranspose() -> ConvTranspose2d {
        ConvTranspose2d(inputChannels: a.int("inputChannels"), outputChannels: a.int("outputChannels"),
                        kernelSize: a.int("kernelSize"), stride: a.int("stride", 1), padding: a.int("padding"),
                        outputPadding: a.int("outputPadding"), groups: a.int("groups", 1),
                        bias: a.bool("bias", true), using: &rng)
    }
    func embedding() -> Embedding { Embedding(entries: a.int("entries"), dimension: a.int("dimension"), using: &rng) }

    switch name {
    case "Linear": return unary(linear())
    case "Conv2d": return unary(conv())
    case "ConvTranspose2d": return unary(convTranspose())
    case "Embedding":
        let e = embedding()
        return LayerUnderTest(module: e) { _, _, labels in e(labels!) }
    case "ReLU": return unary(ReLU())
    case "LeakyReLU": return unary(LeakyReLU(a.float("negativeSlope", 0.01)))
    case "Tanh": return unary(Tanh())
    case "Sigmoid": return unary(Sigmoid())
    case "ELU": return unary(ELU(alpha: a.float("alpha", 1)))
    case "Softplus": return unary(Softplus())
    case "Flatten": return unary(Flatten())
    case "Upsample":
        let mode: Upsample.Mode = a.string("mode", "nearest") == "nearest" ? .nearest : .bilinear(alignCorners: false)
        return unary(Upsample(scale: a.int("scale", 2), mode: mode))
    case "AvgPool2d": return unary(AvgPool2d(kernelSize: a.int("kernelSize")))
    case "MaxPool2d":
        return unary(MaxPool2d(kernelSize: a.int("kernelSize"), stride: a.int("stride", a.int("kernelSize")),
                               padding: a.int("padding")))
    case "PReLU": return unary(PReLU(parameterCount: a.int("parameterCount", 1)))
    case "Pad2d": return unary(Pad2d(a.int("amount"), mode: Tensor.PaddingMode(rawValue: a.string("mode", "zeros"))!))
    case "BatchNorm1d", "BatchNorm2d":
        let features = a.int("features"), eps = a.float("epsilon", 1e-5), momentum = a.optionalFloat("momentum", 0.1)
        let affine = a.bool("affine", true)
        return name == "BatchNorm1d"
            ? unary(BatchNorm1d(features: features, epsilon: eps, momentum: momentum, affine: affine))
            : unary(BatchNorm2d(features: features, epsilon: eps, momentum: momentum, affine: affine))
    case "InstanceNorm2d":
        return unary(InstanceNorm2d(features: a.int("features"), affine: a.bool("affine", false),
                                    trackRunningStatistics: a.bool("trackRunningStatistics", false)))
    case "LayerNorm":
        return unary(LayerNorm(normalizedShape: a.ints("normalizedShape"),
                               elementwiseAffine: a.bool("elementwiseAffine", true)))
    case "GroupNorm": return unary(GroupNorm(groups: a.int("groups"), channels: a.int("channels")))
    case "PixelNorm": return unary(PixelNorm())
    case "SpectralNorm.Linear": return unary(SpectralNorm(linear(), using: &rng))
    case "SpectralNorm.Conv2d": return unary(SpectralNorm(conv(), using: &rng))
    case "SpectralNorm.ConvTranspose2d": return unary(SpectralNorm(convTranspose(), using: &rng))
    case "SpectralNorm.Embedding":
        let e = SpectralNorm(embedding(), using: &rng)
        return LayerUnderTest(module: e) { _, _, labels in e(labels!) }
    case "EqualizedLinear":
        return unary(EqualizedLinear(inputFeatures: a.int("inputFeatures"), outputFeatures: a.int("outputFeatures"),
                                     gain: a.float("gain", 1), learningRateMultiplier: a.float("learningRateMultiplier", 1),
                                     using: &rng))
    case "EqualizedConv2d":
        return unary(EqualizedConv2d(inputChannels: a.int("inputChannels"), outputChannels: a.int("outputChannels"),
                                     kernelSize: a.int("kernelSize"), padding: a.int("padding"), using: &rng))
    case "MinibatchStdDev": return unary(MinibatchStdDev(groupSize: a.int("groupSize"), features: a.int("features")))
    case "SelfAttention2d":
        return unary(SelfAttention2d(channels: a.int("channels"),
                                     spectralNormalization: a.bool("spectralNormalization", false), using: &rng))
    case "ConditionalBatchNorm2d.classes":
        let m = ConditionalBatchNorm2d(features: a.int("features"), condition: .classes(a.int("classes")), using: &rng)
        return LayerUnderTest(module: m) { x, _, labels in m(x!, labels: labels!) }
    case "ConditionalBatchNorm2d.vector":
        let m = ConditionalBatchNorm2d(features: a.int("features"), condition: .vector(a.int("vector")),
                                       spectralNormalization: a.bool("spectralNormalization", false), using: &rng)
        return LayerUnderTest(module: m) { x, c, _ in m(x!, conditioning: c!) }
    case "AdaptiveInstanceNorm2d":
        let m = AdaptiveInstanceNorm2d(channels: a.int("channels"), styleDimension: a.int("styleDimension"), using: &rng)
        return LayerUnderTest(module: m) { x, s, _ in m(x!, style: s!) }
    case "ModulatedConv2d":
        let m = ModulatedConv2d(inputChannels: a.int("inputChannels"), outputChannels: a.int("outputChannels"),
                                kernelSize: a.int("kernelSize"), styleDimension: a.int("styleDimension"),
                                demodulate: a.bool("demodulate", true), using: &rng)
        return LayerUnderTest(module: m) { x, s, _ in m(x!, style: s!) }
    default:
        preconditionFailure("no Swift layer for fixture layer \(name)")
    }
}

/// Parameters, buffers and sub-modules stored in `module`'s properties (found with Mirror,
/// through structs, optionals, arrays and existentials) that its listing does not reach.
/// Returns the property paths of the forgotten ones.
func unlistedChildren(of module: Module) -> [String] {
    var listed = Set<ObjectIdentifier>()
    for (_, p) in module.allParameters() { listed.insert(ObjectIdentifier(p)) }
    for (_, b) in module.namedBuffers() { listed.insert(ObjectIdentifier(b)) }
    var forgotten: [String] = []
    var visitedModules = Set<ObjectIdentifier>()

    func scan(_ value: Any, path: String) {
        switch value {
        case let p as Parameter:
            if !listed.contains(ObjectIdentifier(p)) { forgotten.append(path) }
        case let b as Buffer:
            if !listed.contains(ObjectIdentifier(b)) { forgotten.append(path) }
        case let m as Module:
            guard visitedModules.insert(ObjectIdentifier(m)).inserted else { return }
            var mirror: Mirror? = Mirror(reflecting: m)
            while let current = mirror {
                for child in current.children { scan(child.value, path: path + "." + (child.label ?? "?")) }
                mirror = current.superclassMirror
            }
        default:
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .struct || mirror.displayStyle == .optional
                    || mirror.displayStyle == .collection || mirror.displayStyle == .tuple
                    || mirror.displayStyle == .enum else { return }
            for (i, child) in mirror.children.enumerated() { scan(child.value, path: path + "." + (child.label ?? "\(i)")) }
        }
    }
    scan(module, path: String(describing: type(of: module)))
    return forgotten
}
