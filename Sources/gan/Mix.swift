import ArgumentParser
import Foundation
import GANData
import GANModels
import GANTensor

struct Mix: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The style-mixing grid of a style-based run (stylegan): styles of one latent copied into another's.",
        discussion: """
        As Figure 3 of the StyleGAN paper: the top row holds the images of
        --col-seeds, the left column those of --row-seeds (each the latent `gan sample
        --seed S --count 1` draws). Every other cell is its row's image with the
        styles of the chosen level taken from its column's latent: coarse styles carry
        pose and shape, middle ones smaller features, fine ones colour and texture.
        With several levels the rows repeat once per level, top to bottom in the order
        given.

        Levels by resolution: each takes a third of the synthesis resolutions, coarse
        first (28×28 from 7×7: 7, 14 and 28; 32×32 from 4×4: 4–8, 16 and 32; 64×64:
        4–8, 16–32 and 64, the paper's split). The command prints the layers of each.

        Examples:
          gan mix --run runs/stylegan --row-seeds 1,2,3 --col-seeds 4-8 \\
              --levels coarse --out mix.png
          gan mix --run runs/stylegan --row-seeds 1-3 --col-seeds 4-8 --truncation 0.7
        """
    )

    @Option(name: .customLong("run"), help: "The run folder (made by `gan train`).", transform: FileIO.expandingTilde)
    var runPath: String

    @Option(help: ArgumentHelp("Seeds of the row latents, whose styles are kept (e.g. 1,2,3 or 1-3).", valueName: "SEEDS"))
    var rowSeeds: String

    @Option(help: ArgumentHelp("Seeds of the column latents, whose styles are copied in (e.g. 4-8).", valueName: "SEEDS"))
    var colSeeds: String

    @Option(help: ArgumentHelp("The styles taken from the column latent: coarse, middle, fine, or several separated by commas.",
                               valueName: "LEVELS"))
    var levels: String = "coarse,middle,fine"

    @Option(help: "Truncation in W for every image: w' = w_avg + ψ(w − w_avg) (default: none).")
    var truncation: Float?

    @Option(help: "The picture to write: .png, .jpg or .jpeg (default: RUN/style-mix.png).", transform: FileIO.expandingTilde)
    var out: String?

    @Option(help: "A checkpoint file to use instead of the newest.", transform: FileIO.expandingTilde)
    var checkpoint: String?

    @Flag(help: "Use the trained generator instead of its exponential moving average.")
    var noEma = false

    func validate() throws {
        _ = try parseSeeds(rowSeeds, option: "--row-seeds")
        _ = try parseSeeds(colSeeds, option: "--col-seeds")
        _ = try parseLevels()
        if let truncation, !(truncation >= 0) {
            throw ValidationError("--truncation must be a non-negative ψ, got \(truncation)")
        }
        if let out { try checkImagePath(out, option: "--out") }
    }

    func parseLevels() throws -> [StyleLevel] {
        let names = levels.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = names.compactMap(StyleLevel.init(rawValue:))
        guard !names.isEmpty, parsed.count == names.count else {
            throw ValidationError("--levels takes coarse, middle or fine, separated by commas, got '\(levels)'")
        }
        return parsed
    }

    func run() throws {
        let trained = try TrainedRun(path: runPath, checkpoint: checkpoint)
        guard let model = try trained.latentModel(for: "mix") as? any StyleBasedModel else {
            throw ValidationError("gan mix needs a style-based run (stylegan), whose generator takes one style per layer; "
                + "\(runPath) is a \(trained.run.family) run")
        }
        let rows = try parseSeeds(rowSeeds, option: "--row-seeds"), columns = try parseSeeds(colSeeds, option: "--col-seeds")
        if noEma && !model.keepsAverage {
            throw ValidationError("--no-ema: \(runPath) keeps no moving average of G")
        }
        let options = GenerationOptions(useAverage: !noEma, psi: truncation)
        let w = { (seeds: [UInt64]) in
            model.mapped(Tensor.concatenate(seeds.map { model.latents(count: 1, seed: $0) }, axis: 0), options: options)
        }
        let rowW = w(rows), columnW = w(columns)
        let layerCount = model.styleSides.count
        let unmixed = { (w: Tensor) in model.synthesize(styles: Array(repeating: w, count: layerCount), options: options) }
        let rowImages = unmixed(rowW), columnImages = unmixed(columnW)
        let blank = Tensor.full([1] + model.dataShape, -1)

        var cells = [blank, columnImages]
        for level in try parseLevels() {
            let layers = model.styleLayers(of: level)
            guard !layers.isEmpty else {
                throw ValidationError("\(runPath) synthesises at \(Set(model.styleSides).count) resolutions: too few for a \(level.rawValue) level")
            }
            let sides = Set(model.styleSides[layers]).sorted().map { "\($0)×\($0)" }.joined(separator: ", ")
            print("\(level.rawValue): layers \(layers.lowerBound)–\(layers.upperBound - 1) (\(sides)) from the column seeds")
            for r in rows.indices {
                let base = rowW.slice(axis: 0, start: r, end: r + 1)
                let repeated = Tensor.concatenate(Array(repeating: base, count: columns.count), axis: 0)
                cells.append(rowImages.slice(axis: 0, start: r, end: r + 1))
                cells.append(model.mixed(base: repeated, source: columnW, layers: layers, options: options))
            }
        }
        let path = out ?? trained.folder.url.appendingPathComponent("style-mix.png").path
        try ImageGrid.write(Tensor.concatenate(cells, axis: 0), to: path, imagesPerRow: columns.count + 1)
        print("wrote \(path): \(columns.count) column and \(rows.count) row seeds, levels \(levels)"
              + (truncation.map { ", ψ \($0)" } ?? "") + ", from \(trained.checkpoint.path) (step \(trained.step))")
    }
}

/// Seeds written as `1,2,3`, `4-8` or a mix (`1,4-6`), in the order given.
func parseSeeds(_ text: String, option: String) throws -> [UInt64] {
    var seeds: [UInt64] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        switch bounds.count {
        case 1 where bounds[0] != nil:
            seeds.append(bounds[0]!)
        case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]! && bounds[1]! - bounds[0]! < 256:
            seeds += Array(bounds[0]!...bounds[1]!)
        default:
            throw ValidationError("\(option) takes seeds separated by commas, or ranges a-b (e.g. 1,2,3 or 4-8), got '\(text)'")
        }
    }
    guard seeds.count <= 64 else { throw ValidationError("\(option): at most 64 seeds, got \(seeds.count)") }
    return seeds
}
