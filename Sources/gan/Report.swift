import ArgumentParser
import Foundation
import GANData
import GANModels

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report of a run, or of several runs compared on one page.",
        discussion: """
        The page has no scripts and no external files: charts are inline SVG, samples
        embedded PNGs. One run: loss curves, evaluation metrics, sample timeline,
        config (default RUN/report.html). Several runs: every logged value on one
        chart per value with a line per run, the evaluations over steps, each run's
        sample grids and config (default compare.html). Runs trained with --eval-every
        get charts of their FID, KID, precision/recall, IS or accuracy over steps. For
        live curves, every run also writes TensorBoard event files: tensorboard
        --logdir runs

        Examples:
          gan report runs/dcgan-dcgan28
          gan report runs/ring-gan runs/ring-wgan-gp --out compare.html
          chromium --headless --screenshot=report.png runs/dcgan-dcgan28/report.html
        """
    )

    @Argument(help: "The run folder, or several to compare.", transform: FileIO.expandingTilde)
    var folders: [String]

    @Option(help: "The page to write (default: RUN/report.html for one run, compare.html for several).",
            transform: FileIO.expandingTilde)
    var out: String?

    func validate() throws {
        if folders.isEmpty { throw ValidationError("give a run folder (or several to compare)") }
    }

    func run() throws {
        let runs = folders.map { RunFolder(path: $0) }
        let target = out.map { URL(fileURLWithPath: $0) }
        let url = runs.count == 1
            ? try RunReport.write(runs[0], to: target)
            : try RunComparison.write(runs, to: target ?? URL(fileURLWithPath: "compare.html"))
        print("wrote \(url.path)")
    }
}
