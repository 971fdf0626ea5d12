import ArgumentParser
import Foundation
import GANData
import GANModels
import GANTensor

struct Attention: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show where the generator's self-attention looks in one generated image (sagan, biggan).",
        discussion: """
        Generates the image `gan sample --seed S --count 1` draws (class 0 unless
        --class), then draws one panel per query position: the image dimmed, with the
        attention that query gives every key position of G's attention block laid over
        it in the query's colour (brightest where it attends most). The first panel is
        the image with the query positions marked. Query positions are in image
        pixels; by default four spread over the image.

        Examples:
          gan attention --run runs/sagan --seed 3 --out attn.png
          gan attention --run runs/biggan --seed 1 --class 7 \\
              --query 14,6 --query 14,22 --out boot.png
        """
    )

    @Option(name: .customLong("run"), help: "The run folder (made by `gan train`).", transform: FileIO.expandingTilde)
    var runPath: String

    @Option(help: "Seed of the latent (as `gan sample --count 1`).")
    var seed: UInt64 = 0

    @Option(name: .customLong("class"), help: "Conditional runs: the class of the image (default 0).")
    var classIndex: Int?

    @Option(name: .customLong("query"), help: ArgumentHelp("A query position x,y in image pixels (repeatable).", valueName: "x,y"))
    var queries: [String] = []

    @Option(help: "Pixels per image pixel in the picture (default: enough for 128-pixel panels).")
    var scale: Int?

    @Option(help: "The picture to write: .png, .jpg or .jpeg (default: RUN/attention.png).", transform: FileIO.expandingTilde)
    var out: String?

    @Option(help: "A checkpoint file to use instead of the newest.", transform: FileIO.expandingTilde)
    var checkpoint: String?

    func validate() throws {
        if let scale, !(1...32).contains(scale) { throw ValidationError("--scale must be in 1...32, got \(scale)") }
        if let out { try checkImagePath(out, option: "--out") }
    }

    func run() throws {
        let trained = try TrainedRun(path: runPath, checkpoint: checkpoint)
        let model = try trained.latentModel(for: "attention")
        let adversarial = model as? AdversarialModel
        guard let network = (adversarial?.ema?.average as? any AttentionGenerator) ?? (adversarial?.generator as? any AttentionGenerator) else {
            throw ValidationError("gan attention needs a generator with a self-attention block (sagan, biggan); \(runPath) is a \(trained.run.family) run")
        }
        var labels: [Int]?
        if model.classCount > 0 {
            let k = classIndex ?? 0
            guard (0..<model.classCount).contains(k) else {
                throw ValidationError("--class \(k) is out of range: the run has classes 0..<\(model.classCount)")
            }
            labels = [k]
        } else if classIndex != nil {
            throw ValidationError("--class needs a conditional run; \(runPath) is unconditional")
        }
        let side = model.dataShape[1]
        let points = try queryPoints(side: side)

        let z = model.latents(count: 1, seed: seed)
        let image = model.generate(z, options: GenerationOptions(labels: labels))
        let wasTraining = network.isTraining
        network.eval()
        defer { network.train(wasTraining) }
        guard let map = withoutGradients({ network.attentionMap(z, labels: labels) }) else {
            throw ValidationError("\(runPath): this configuration of \(trained.run.family) has no attention block")
        }

        let scale = self.scale ?? max(1, (128 + side - 1) / side)
        let base = Bitmap(tensor: image.reshaped(model.dataShape)).converted(toChannels: 3)
        var panels = [marked(base, points: points, scale: scale)]
        let all = map.weights.scalars
        print("attention at \(map.querySide)×\(map.querySide) (queries) over \(map.keySide)×\(map.keySide) (keys), "
              + "image \(side)×\(side), seed \(seed)" + (labels.map { ", class \($0[0])" } ?? ""))
        for (n, point) in points.enumerated() {
            // The query cell holding the pixel.
            let qx = min(point.x * map.querySide / side, map.querySide - 1), qy = min(point.y * map.querySide / side, map.querySide - 1)
            let keys = map.keySide * map.keySide, query = qy * map.querySide + qx
            let row = Array(all[query * keys..<(query + 1) * keys])   // image 0's row: over the keys
            let top = row.indices.max { row[$0] < row[$1] }!
            let (tx, ty) = (top % map.keySide, top / map.keySide)
            let local = row.enumerated().filter { i, _ in
                abs(i % map.keySide * map.querySide / map.keySide - qx) <= 1 && abs(i / map.keySide * map.querySide / map.keySide - qy) <= 1
            }.map(\.element).reduce(0, +)
            print("  query \(n + 1) at (\(point.x), \(point.y)): strongest key at (\(tx * side / map.keySide), \(ty * side / map.keySide)) "
                  + "with \(String(format: "%.3f", row[top])); \(String(format: "%.0f", local * 100))% of its attention within one cell of itself")
            panels.append(heatmap(base, weights: row, keySide: map.keySide, colour: Self.colours[n % Self.colours.count], scale: scale))
        }
        let path = out ?? trained.folder.url.appendingPathComponent("attention.png").path
        try Self.sideBySide(panels).write(to: path)
        print("wrote \(path): the image and \(points.count) attention maps, from \(trained.checkpoint.path) (step \(trained.step))")
    }

    static let colours: [[UInt8]] = [[230, 40, 40], [40, 200, 60], [50, 110, 255], [255, 160, 0], [220, 50, 220], [0, 200, 220]]

    /// `--query` positions, or four spread over the image.
    func queryPoints(side: Int) throws -> [(x: Int, y: Int)] {
        if queries.isEmpty {
            return [(side / 4, side / 4), (3 * side / 4, side / 4), (side / 4, 3 * side / 4), (3 * side / 4, 3 * side / 4)]
        }
        return try queries.map { text in
            let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let x = parts[0], let y = parts[1], (0..<side).contains(x), (0..<side).contains(y) else {
                throw ValidationError("--query takes x,y inside the \(side)×\(side) image, got '\(text)'")
            }
            return (x, y)
        }
    }

    /// The image scaled up, each query pixel outlined in its colour.
    func marked(_ image: Bitmap, points: [(x: Int, y: Int)], scale: Int) -> Bitmap {
        var pixels = Self.scaled(image, scale).pixels
        let width = image.width * scale
        for (n, point) in points.enumerated() {
            let colour = Self.colours[n % Self.colours.count]
            let (x0, y0) = (point.x * scale, point.y * scale)
            for y in max(0, y0 - 2)..<min(width, y0 + scale + 2) {
                for x in max(0, x0 - 2)..<min(width, x0 + scale + 2) {
                    let border = y < y0 || y >= y0 + scale || x < x0 || x >= x0 + scale
                    guard border || scale <= 2 else { continue }
                    for c in 0..<3 { pixels[(y * width + x) * 3 + c] = colour[c] }
                }
            }
        }
        return Bitmap(width: width, height: width, channels: 3, pixels: pixels)
    }

    /// The image dimmed, with `weights` (over `keySide²` keys, scaled to their maximum) laid over
    /// it in `colour`.
    func heatmap(_ image: Bitmap, weights: [Float], keySide: Int, colour: [UInt8], scale: Int) -> Bitmap {
        let big = Self.scaled(image, scale)
        let width = big.width, largest = max(weights.max() ?? 1, 1e-12)
        var pixels = big.pixels
        for y in 0..<width {
            for x in 0..<width {
                let key = (y * keySide / width) * keySide + x * keySide / width
                let a = weights[key] / largest
                for c in 0..<3 {
                    let dimmed = Float(big.pixels[(y * width + x) * 3 + c]) * 0.35
                    pixels[(y * width + x) * 3 + c] = UInt8(min(255, dimmed * (1 - a) + Float(colour[c]) * a))
                }
            }
        }
        return Bitmap(width: width, height: width, channels: 3, pixels: pixels)
    }

    /// Nearest-neighbour scaling by an integer factor.
    static func scaled(_ image: Bitmap, _ scale: Int) -> Bitmap {
        let w = image.width * scale, h = image.height * scale, c = image.channels
        var pixels = [UInt8](repeating: 0, count: w * h * c)
        for y in 0..<h {
            for x in 0..<w {
                for k in 0..<c { pixels[(y * w + x) * c + k] = image.pixels[((y / scale) * image.width + x / scale) * c + k] }
            }
        }
        return Bitmap(width: w, height: h, channels: c, pixels: pixels)
    }

    /// Panels of equal height in a row, 4 white pixels apart.
    static func sideBySide(_ panels: [Bitmap]) -> Bitmap {
        let gap = 4, h = panels[0].height
        let w = panels.map(\.width).reduce(0, +) + gap * (panels.count - 1)
        var pixels = [UInt8](repeating: 255, count: w * h * 3)
        var left = 0
        for panel in panels {
            for y in 0..<h {
                for x in 0..<panel.width {
                    for c in 0..<3 { pixels[(y * w + left + x) * 3 + c] = panel.pixels[(y * panel.width + x) * 3 + c] }
                }
            }
            left += panel.width + gap
        }
        return Bitmap(width: w, height: h, channels: 3, pixels: pixels)
    }
}
