import Foundation
import Testing
import GANTensor
@testable import GANLayers
import GANTestSupport

/// The interchange model of scripts/make_layer_fixtures.py (`InterchangeNet`), built from
/// GANLayers: transposed convolution, batch norm, spectral norm, instance norm, group norm,
/// self-attention, linear layers.
final class InterchangeNet: Module, UnaryLayer {
    let main: Sequential
    let attention: SelfAttention2d
    let head: Sequential

    init(using rng: inout RandomGenerator) {
        main = Sequential {
            ConvTranspose2d(inputChannels: 4, outputChannels: 6, kernelSize: 3, using: &rng)
            BatchNorm2d(features: 6)
            ReLU()
            SpectralNorm(Conv2d(inputChannels: 6, outputChannels: 8, kernelSize: 3, padding: 1, using: &rng), using: &rng)
            LeakyReLU(0.2)
            InstanceNorm2d(features: 8, affine: true)
            Conv2d(inputChannels: 8, outputChannels: 8, kernelSize: 4, stride: 2, padding: 1, bias: false, using: &rng)
            GroupNorm(groups: 2, channels: 8)
        }
        attention = SelfAttention2d(channels: 8, using: &rng)
        head = Sequential {
            Flatten()
            SpectralNorm(Linear(inputFeatures: 32, outputFeatures: 6, using: &rng), using: &rng)
            BatchNorm1d(features: 6)
            Tanh()
            Linear(inputFeatures: 6, outputFeatures: 3, using: &rng)
        }
    }

    /// `[N, 4, 2, 2]` → `[N, 3]`.
    func callAsFunction(_ input: Tensor) -> Tensor { head(attention(main(input))) }

    override func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("main", main)
        visitor.module("attn", attention)
        visitor.module("head", head)
    }

    override func structuralCopy() -> Module {
        var rng = RandomGenerator(seed: 0)
        return InterchangeNet(using: &rng)
    }
}

struct InterchangeTests {
    static let torchCheckpoint = Fixture.directory.appendingPathComponent("layers_interchange_torch.safetensors")

    @Test func pyTorchCheckpointLoadsAndGivesPyTorchOutputs() throws {
        var rng = RandomGenerator(seed: 5)
        let net = InterchangeNet(using: &rng)
        try net.load(contentsOf: Self.torchCheckpoint, strict: true)
        let io = try Fixture("layers_interchange_io")
        let yEval = withoutGradients { net.eval()(io["x"]) }
        let errEval = relativeError(yEval, io["y_eval"])
        let yTrain = withoutGradients { net.train()(io["x"]) }
        let errTrain = relativeError(yTrain, io["y_train"])
        print("interchange PyTorch→Swift: eval error \(errEval), train error \(errTrain)")
        #expect(errEval <= 1e-4, "eval output error \(errEval)")
        #expect(errTrain <= 1e-4, "train output error \(errTrain)")
    }

    @Test func pyTorchFileHasTheNamesAndDTypesSwiftUses() throws {
        let file = try SafeTensors.read(contentsOf: Self.torchCheckpoint)
        var rng = RandomGenerator(seed: 5)
        let swiftState = InterchangeNet(using: &rng).stateDict()
        #expect(Set(file.tensors.keys) == Set(swiftState.keys))
        for entry in swiftState {
            #expect(file.tensors.entry(entry.name)?.dtype == entry.dtype, "\(entry.name)")
            #expect(file.tensors[entry.name]?.shape == entry.tensor.shape, "\(entry.name)")
        }
        #expect(file.tensors.entry("main.1.num_batches_tracked")?.dtype == .int64)
        #expect(file.tensors["main.1.num_batches_tracked"]?.item == 3)
        #expect(file.metadata["model"]?.hasPrefix("InterchangeNet") == true)
    }

    /// The committed checkpoint the Swift side wrote (and the script loads into PyTorch) still
    /// loads and reproduces its stored outputs.
    @Test func committedSwiftCheckpointStillLoads() throws {
        var rng = RandomGenerator(seed: 5)
        let net = InterchangeNet(using: &rng)
        try net.load(contentsOf: Fixture.directory.appendingPathComponent("layers_interchange_swift.safetensors"))
        let io = try SafeTensors.read(contentsOf: Fixture.directory.appendingPathComponent("layers_interchange_swift_io.safetensors"))
        let x = io.tensors["x"]!
        #expect(relativeError(withoutGradients { net.eval()(x) }, io.tensors["y_eval"]!) < 1e-6)
        #expect(relativeError(withoutGradients { net.train()(x) }, io.tensors["y_train"]!) < 1e-6)
    }

    /// Writes a Swift checkpoint and its inputs and outputs; with `GAN_LAYERS_EXPORT_DIR` set,
    /// into that folder for `scripts/make_layer_fixtures.py --check-swift-checkpoint`.
    @Test func swiftCheckpointRoundTripsAndExportsForPyTorch() throws {
        let directory: URL
        if let export = ProcessInfo.processInfo.environment["GAN_LAYERS_EXPORT_DIR"] {
            directory = URL(fileURLWithPath: export)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("gan-layers-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        defer {
            if ProcessInfo.processInfo.environment["GAN_LAYERS_EXPORT_DIR"] == nil {
                try? FileManager.default.removeItem(at: directory)
            }
        }
        var rng = RandomGenerator(seed: 11)
        let net = InterchangeNet(using: &rng)
        Initializer.dcgan(net, using: &rng)
        for p in net.parameters() where p.shape == [1] {   // attention gamma: make it matter
            p.value = Tensor([0.8])
        }
        withoutGradients {
            for _ in 0..<3 { _ = net.train()(Tensor.randomNormal([5, 4, 2, 2], using: &rng)) }
        }
        let checkpoint = directory.appendingPathComponent("swift_checkpoint.safetensors")
        try net.save(to: checkpoint, metadata: ["model": "InterchangeNet", "writer": "GANLayers"])

        let x = Tensor.randomNormal([5, 4, 2, 2], using: &rng)
        let yEval = withoutGradients { net.eval()(x) }
        let yTrain = withoutGradients { net.train()(x) }
        var io = StateDict()
        io.insert("x", x)
        io.insert("y_eval", yEval)
        io.insert("y_train", yTrain)
        try SafeTensors.write(io, to: directory.appendingPathComponent("swift_checkpoint_io.safetensors"))

        // The same file back into a fresh Swift module gives the same outputs.
        var other = RandomGenerator(seed: 99)
        let restored = InterchangeNet(using: &other)
        try restored.load(contentsOf: checkpoint, strict: true)
        #expect(relativeError(withoutGradients { restored.eval()(x) }, yEval) == 0)
        #expect(relativeError(withoutGradients { restored.train()(x) }, yTrain) == 0)
        let file = try SafeTensors.read(contentsOf: checkpoint)
        #expect(file.tensors.entry("head.2.num_batches_tracked")?.dtype == .int64)
        #expect(file.tensors["head.2.num_batches_tracked"]?.item == 3)
    }
}
