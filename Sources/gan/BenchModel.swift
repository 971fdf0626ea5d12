import ArgumentParser
import Foundation
import GANData
import GANModels
import GANTensor

/// A model `gan bench train` and `gan bench generate` time: one of the four reference models
/// of the PyTorch yardstick (`torch_bench.py`), or a family's 28×28 grey preset as `gan train`
/// builds it, so a slowdown in any family shows.
struct BenchModel {
    /// The name on the command line (`dcgan28`, `stylegan2-28`).
    let name: String
    /// The family that builds it.
    let family: any Family.Type
    /// The family's preset.
    let preset: String
    /// Family options, as `gan train` takes them (`--variant 2`).
    let options: [String]
    /// Whether PyTorch times the same model (torch_bench.py): then the config is fixed here.
    let isReference: Bool

    /// The four models torch_bench.py defines, built exactly as it builds them.
    static let reference: [BenchModel] = [
        BenchModel(name: "mlp28", family: GANFamily.self, preset: "mnist", options: [], isReference: true),
        BenchModel(name: "dcgan28", family: DCGANFamily.self, preset: "dcgan28", options: [], isReference: true),
        BenchModel(name: "dcgan64", family: DCGANFamily.self, preset: "dcgan64", options: [], isReference: true),
        BenchModel(name: "wgangp28", family: WGANGPFamily.self, preset: "dcgan28", options: [], isReference: true),
    ]

    /// One model per family beyond the reference ones, at its 28×28 grey preset.
    static let families: [BenchModel] = [
        BenchModel(name: "cgan28", family: CGANFamily.self, preset: "dcgan28", options: [], isReference: false),
        BenchModel(name: "wgan28", family: WGANFamily.self, preset: "dcgan28", options: [], isReference: false),
        BenchModel(name: "sagan28", family: SAGANFamily.self, preset: "grey28", options: [], isReference: false),
        BenchModel(name: "biggan28", family: BigGANFamily.self, preset: "grey28", options: [], isReference: false),
        BenchModel(name: "progan28", family: ProGANFamily.self, preset: "grey28", options: [], isReference: false),
        BenchModel(name: "stylegan28", family: StyleGANFamily.self, preset: "grey28", options: [], isReference: false),
        BenchModel(name: "stylegan2-28", family: StyleGANFamily.self, preset: "grey28", options: ["--variant", "2"], isReference: false),
        BenchModel(name: "cyclegan28", family: CycleGANFamily.self, preset: "grey28", options: [], isReference: false),
        BenchModel(name: "cogan28", family: CoGANFamily.self, preset: "grey28", options: [], isReference: false),
    ]

    static let all = reference + families

    /// The models of a comma-separated list; `all` names every one, `families` the family ones.
    /// - Throws: `ValidationError` naming an unknown model and the known ones.
    static func parse(_ list: String) throws -> [BenchModel] {
        try list.split(separator: ",").flatMap { item -> [BenchModel] in
            let name = item.trimmingCharacters(in: .whitespaces)
            if name == "all" { return all }
            if name == "families" { return families }
            guard let model = all.first(where: { $0.name == name }) else {
                throw ValidationError("unknown model '\(name)': expected one of \(all.map(\.name).joined(separator: ", ")), all or families")
            }
            return [model]
        }
    }

    /// How `gan train` would make it: `gan train dcgan --preset dcgan28`, for the table.
    var command: String {
        (["\(family.name) --preset \(preset)"] + options).joined(separator: " ")
    }

    /// The config. Reference models as torch_bench.py has them: wgangp28 takes one critic step
    /// with Adam 2e-4, β (0.5, 0.999), as dcgan28 does.
    func configuration() throws -> any ModelConfiguration {
        if isReference {
            switch name {
            case "mlp28": return GANConfig.mnist
            case "dcgan28": return DCGANConfig.dcgan28
            case "dcgan64": return DCGANConfig.dcgan64
            default:
                var config = WGANGPConfig.dcgan28
                config.criticSteps = 1
                config.generatorOptimizer = .adam(2e-4, 0.5, 0.999)
                config.criticOptimizer = .adam(2e-4, 0.5, 0.999)
                return config
            }
        }
        var config = try Families.preset(preset, of: family)
        try config.apply(FamilyOptionValues(arguments: options, family: family))
        return config
    }

    /// The model, freshly initialised from seed 0, with random "real" batches of `batchSize`
    /// images (labels 0–9 in turn, as a 10-class data set gives a conditional family).
    func make(batchSize: Int) throws -> BenchSubject {
        var config = try configuration()
        var rng = RandomGenerator(seed: 0)
        if isReference {
            // Unchanged since the first sitting, so figures stay comparable: no adapt, G and D
            // from seed 0, then one real batch.
            let adversarial = config as! any AdversarialConfiguration
            let model = try adversarial.makeAdversarialModel(using: &rng)
            let real = Tensor.randomUniform([batchSize] + adversarial.network.dataShape, using: &rng) * 2 - 1
            return BenchSubject(model: model, source: RepeatedBatch([Self.batch(real)]), firstStep: 0, rng: rng)
        }
        let requirements = config.dataRequirements
        guard let size = requirements.imageSize else {
            throw ValidationError("\(name): \(command) does not fix an image size to benchmark at")
        }
        let shape = [requirements.channels ?? 1, size, size]
        let labels = (0..<batchSize).map { $0 % 10 }
        let data = Dataset(name: "random \(shape)", values: .bytes([UInt8](repeating: 128, count: batchSize * shape.reduce(1, *))),
                           sampleShape: shape, labels: labels, classNames: (0..<10).map { "class \($0)" })
        try config.adapt(to: Array(repeating: data, count: family.domainCount))
        let model = try config.makeModel(using: &rng)
        let batches = (0..<family.domainCount).map { _ in
            Self.batch(Tensor.randomUniform([batchSize] + shape, using: &rng) * 2 - 1, labels: labels)
        }
        return BenchSubject(model: model, source: RepeatedBatch(batches), firstStep: Self.firstStep(config, batchSize: batchSize), rng: rng)
    }

    /// The step to time from: ProGAN's first step at full size (every level grown and faded in),
    /// so the bench times the networks `gan sample` uses; 0 for the others.
    static func firstStep(_ config: any ModelConfiguration, batchSize: Int) -> Int {
        guard let progan = config as? ProGANConfig else { return 0 }
        return ProGANSchedule(levels: progan.network.levels, phaseImages: progan.phaseImages).totalImages / batchSize + 1
    }

    static func batch(_ samples: Tensor, labels: [Int]? = nil) -> Batch {
        Batch(samples: samples, labels: labels, indices: Array(0..<samples.shape[0]), epoch: 0, index: 0)
    }
}

/// A benchmarked model with its data: what one `trainingStep` needs.
struct BenchSubject {
    let model: any TrainableModel
    let source: RepeatedBatch
    /// The step number of the first step (lazy regularisation and growth depend on it).
    let firstStep: Int
    var rng: RandomGenerator

    /// Parameters per network, `G 1,510,032 · D 533,505` (shared ones counted in each).
    var parameterSummary: String {
        model.networks.map { "\(Self.shortName($0.name)) \(Self.grouped($0.module.parameterCount))" }.joined(separator: " · ")
    }

    var parameterCounts: [String: Int] {
        Dictionary(model.networks.map { ($0.name, $0.module.parameterCount) }, uniquingKeysWith: { a, _ in a })
    }

    /// `generator` → `G`, `discriminator_b` → `D_b`, `generator_a2b` → `G_a2b`.
    static func shortName(_ name: String) -> String {
        name.replacingOccurrences(of: "generator", with: "G").replacingOccurrences(of: "discriminator", with: "D")
    }

    /// `1510032` → `1,510,032`.
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        return String(digits.enumerated().flatMap { i, d in (i > 0 && (digits.count - i) % 3 == 0) ? [",", d] : [d] })
    }
}

/// The same batches for every step: the benchmark times the step, not the data.
final class RepeatedBatch: BatchSource {
    let batches: [Batch]
    init(_ batches: [Batch]) { self.batches = batches }
    var domainCount: Int { batches.count }
    func next(domain: Int) -> Batch { batches[domain] }
    var epoch: Int { 0 }
    var states: [BatcherState] { [] }
    func restore(_ states: [BatcherState]) throws {}
}
