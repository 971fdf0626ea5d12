import Foundation
import GANData
import GANLayers
import GANTensor

/// A trained model read back from a run folder, for sampling, interpolation, evaluation and
/// translation.
public struct TrainedRun {
    public let folder: RunFolder
    public let run: RunSettings
    public let config: any ModelConfiguration
    public let model: any TrainableModel
    /// The checkpoint loaded and its step.
    public let checkpoint: URL
    public let step: Int

    /// Reads `config.json`, rebuilds the model and loads `checkpoint` (default: the newest
    /// readable checkpoint of the run).
    public init(path: String, checkpoint: String? = nil) throws {
        folder = RunFolder(path: path)
        let saved = try folder.readConfig()
        run = saved.run
        config = saved.model
        var rng = RandomGenerator(seed: run.seed)
        model = try config.makeModel(using: &rng)
        if let checkpoint {
            let url = URL(fileURLWithPath: checkpoint)
            step = try Checkpoints.load(url, into: model, family: run.family).step
            self.checkpoint = url
        } else {
            guard let found = try Checkpoints.loadNewest(in: folder, into: model, family: run.family) else {
                throw ModelError.run("\(folder.checkpointsURL.path): no checkpoint yet; train first (gan train ... --out \(path))")
            }
            self.checkpoint = found.url
            step = found.state.step
        }
    }

    /// The model as one that generates from latents, or an error naming the command and the
    /// commands this run's family does take.
    public func latentModel(for command: String) throws -> any LatentModel {
        guard let model = model as? any LatentModel else {
            throw ModelError.run("`gan \(command)` needs a model that generates from latents; a \(run.family) run "
                + "translates images: use `gan translate --run \(folder.url.path)`")
        }
        return model
    }

    /// The model as one that translates between domains, or an error naming what applies.
    public func translationModel(for command: String) throws -> any TranslationModel {
        guard let model = model as? any TranslationModel else {
            throw ModelError.run("`gan \(command)` needs a model that translates between two domains; a \(run.family) run "
                + "generates from latents: use `gan sample --run \(folder.url.path)`")
        }
        return model
    }
}

