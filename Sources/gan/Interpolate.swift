import ArgumentParser
import Foundation
import GANData
import GANModels
import GANTensor

struct Interpolate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk the latent space between two seeds: a PNG strip or an animated GIF.",
        discussion: """
        The latents of --from-seed and --to-seed are those `gan sample --seed S
        --count 1` draws. With --mode both (the default in z) the strip has two rows,
        linear above spherical; a GIF shows them side by side.

        --space w (style-based runs: stylegan) walks the intermediate latent w =
        mapping(z) instead, in a straight line (the paper's perceptual path length
        uses lerp in W: W is not Gaussian, so slerp has no meaning there), with the
        noise inputs off.

        Examples:
          gan interpolate --run runs/dcgan-dcgan28 --from-seed 1 --to-seed 2 \\
              --frames 10 --out strip.png
          gan interpolate --run runs/dcgan-dcgan28 --from-seed 1 --to-seed 2 \\
              --frames 24 --mode spherical --out walk.gif
          gan interpolate --run runs/cgan --from-seed 3 --to-seed 4 --class 9 \\
              --out boots.png
          gan interpolate --run runs/stylegan --from-seed 1 --to-seed 2 --space w \\
              --out walk-w.png
        """
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable { case linear, spherical, both }
    enum Space: String, ExpressibleByArgument, CaseIterable { case z, w }

    @Option(name: .customLong("run"), help: "The run folder (made by `gan train`).", transform: FileIO.expandingTilde)
    var runPath: String

    @Option(help: "Seed of the first latent.")
    var fromSeed: UInt64

    @Option(help: "Seed of the last latent.")
    var toSeed: UInt64

    @Option(help: "Frames, ends included.")
    var frames: Int = 10

    @Option(help: "linear, spherical or both (default: both in z, linear in w).")
    var mode: Mode?

    @Option(help: "The latent space to walk: z, or w for a style-based run (stylegan).")
    var space: Space = .z

    @Option(name: .customLong("class"), help: "cgan: the class.")
    var classIndex: Int?

    @Option(help: "The output: a .png (or .jpg) strip or a .gif animation.", transform: FileIO.expandingTilde)
    var out: String

    @Option(help: "GIF: frame time in hundredths of a second.")
    var delay: Int = 12

    @Flag(help: "Use the trained generator instead of its exponential moving average.")
    var noEma = false

    func validate() throws {
        guard frames >= 2 else { throw ValidationError("--frames must be at least 2") }
        let ext = URL(fileURLWithPath: out).pathExtension.lowercased()
        guard ext == "gif" || ImageFileFormat.canWrite(out) else {
            throw ValidationError("--out must end in .png, .jpg or .jpeg (a strip) or .gif (an animation), got '\(out)'")
        }
    }

    func run() throws {
        let trained = try TrainedRun(path: runPath)
        let model = try trained.latentModel(for: "interpolate")
        guard model.dataShape.count == 3 else {
            throw ValidationError("interpolate draws images; \(runPath) generates samples of shape \(model.dataShape)")
        }
        var labels: [Int]?
        if model.classCount > 0 {
            let k = classIndex ?? 0
            guard (0..<model.classCount).contains(k) else {
                throw ValidationError("--class \(k) is out of range: the run has classes 0..<\(model.classCount)")
            }
            labels = Array(repeating: k, count: frames)
        } else if classIndex != nil {
            throw ValidationError("--class needs a conditional run (cgan)")
        }
        if noEma && !model.keepsAverage {
            throw ValidationError("--no-ema: \(runPath) keeps no moving average of G")
        }
        let a = model.latents(count: 1, seed: fromSeed), b = model.latents(count: 1, seed: toSeed)
        let mode = self.mode ?? (space == .z ? .both : .linear)
        let modes: [Interpolation] = mode == .both ? [.linear, .spherical] : [mode == .linear ? .linear : .spherical]
        let rows: [Tensor]  // [frames, C, H, W] each
        switch space {
        case .z:
            rows = modes.map { model.generate($0.path(from: a, to: b, frames: frames), options: GenerationOptions(labels: labels, useAverage: !noEma)) }
        case .w:
            guard let style = model as? any StyleBasedModel else {
                throw ValidationError("--space w needs a style-based run (stylegan), which maps z to w; \(runPath) is a \(trained.run.family) run")
            }
            guard mode == .linear else {
                throw ValidationError("--space w walks in a straight line: W is not Gaussian, so --mode \(mode.rawValue) does not apply")
            }
            let options = GenerationOptions(useAverage: !noEma)
            let path = Interpolation.linear.path(from: style.mapped(a, options: options), to: style.mapped(b, options: options), frames: frames)
            rows = [style.synthesize(styles: Array(repeating: path, count: style.styleSides.count), options: options)]
        }
        if ImageFileFormat.canWrite(out) {
            try ImageGrid.write(Tensor.concatenate(rows, axis: 0), to: out, imagesPerRow: frames)
        } else {
            let images = (0..<frames).map { f -> Tensor in
                let side = Tensor.concatenate(rows.map { $0.slice(axis: 0, start: f, end: f + 1) }, axis: 0)
                return ImageGrid.make(side.upsampledNearest(scale: 4), imagesPerRow: rows.count, padding: 2,
                                      normalize: true, valueRange: -1...1)
            }
            try AnimatedGIF.write(images, to: out, valueRange: 0...1, delay: delay)
        }
        print("wrote \(out): \(frames) frames (\(modes.map(\.rawValue).joined(separator: " and ")) in \(space.rawValue)) from seed \(fromSeed) to \(toSeed)")
    }
}
