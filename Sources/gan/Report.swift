import ArgumentParser
import GANData
import GANModels

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained report.html for a run: loss curves, evaluation metrics, sample timeline, config.",
        discussion: """
        The page has no scripts and no external files: charts are inline SVG, samples embedded PNGs.
        Runs trained with --eval-every get charts of their FID, KID, precision/recall, IS or accuracy over steps.

        Examples:
          gan report runs/dcgan-dcgan28
          chromium --headless --screenshot=report.png runs/dcgan-dcgan28/report.html
        """
    )

    @Argument(help: "The run folder.", transform: FileIO.expandingTilde)
    var folder: String

    func run() throws {
        let url = try RunReport.write(RunFolder(path: folder))
        print("wrote \(url.path)")
    }
}
