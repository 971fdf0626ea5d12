import Foundation
import Testing

/// Every option `gan train --help` lists is applied or refused, on a fresh run and on
/// `--resume`: with the option, config.json differs from the same command without it, or the
/// command exits non-zero with a message. A new option without an entry here fails the test.
@Suite(.serialized, .enabled(if: GANCommand.shouldRun)) struct EveryOptionTests {
    /// A value differing from the toy run's (`gan train gan --data toy:ring8 --steps 2
    /// --batch-size 8`) for each option, `[]` for a flag; `nil`: not a training option.
    static let values: [String: [String]?] = [
        "data": ["toy:grid25"], "preset": ["mnist"], "convert-channels": [], "steps": ["4"], "epochs": ["1"],
        "batch-size": ["16"], "seed": ["5"], "sample-every": ["7"], "checkpoint-every": ["1"], "log-every": ["1"],
        "keep-checkpoints": ["5"], "data-b": ["toy:grid25"], "lr-decay": ["none"], "lr-decay-start": ["0.25"],
        "eval-every": ["2"], "eval-metrics": ["kid"], "eval-count": ["8"], "eval-features": ["classifier"],
        "no-tensorboard": [], "tensorboard": [],
        // Data-parallel: refused outside mpirun or without --distributed (scripts/check_mpi.sh runs them).
        "distributed": ["mpi"], "sync-bn": [], "mpi-timeout": ["30"],
        // Where and how: checked by their own tests.
        "out": nil, "resume": nil, "version": nil, "help": nil,
        // Family options: gan's change its config; the others' are refused naming their families.
        "loss": ["least-squares"], "n-critic": ["3"], "lr": ["0.00123"], "lr-g": ["0.00123"], "lr-d": ["0.00123"],
        "latent-dim": ["7"], "ema": ["0.95"], "ema-images": ["5000"], "clip": ["0.033"], "gp-weight": ["3.5"], "cycle-weight": ["4.5"],
        "identity-weight": ["0.25"], "pool-size": ["7"], "unconditional": [], "ortho": ["0.5"], "ema-start": ["77"], "sn-iterations": ["3"],
        "width": ["8"], "phase-images": ["777"], "drift": ["0.002"], "r1-gamma": ["3"], "mixing": ["0.5"],
        "variant": ["2"], "pl-weight": ["3"],
    ]

    /// Options that restore a default: their control run (and the run resumed) is made with
    /// these options, so that applying the option shows in config.json.
    static let controls: [String: [String]] = ["tensorboard": ["--no-tensorboard"]]

    /// The long option names `gan train --help` lists.
    static func listedOptions() throws -> [String] {
        let folder = try GANCommand.temporaryFolder("help")
        defer { try? FileManager.default.removeItem(at: folder) }
        let help = try GANCommand.run(["train", "--help"], in: folder).output
        // Lines that start with an option: `  --name <value>  help`, `  -h, --help`.
        let options = help.split(separator: "\n").compactMap { line -> String? in
            var rest = line.drop { $0 == " " }
            if rest.hasPrefix("-h, ") { rest = rest.dropFirst(4) }
            guard line.hasPrefix("  "), rest.hasPrefix("--") else { return nil }
            let name = rest.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }
            let after = rest.dropFirst(2 + name.count).first
            return !name.isEmpty && (after == nil || after == " ") ? String(name) : nil
        }
        return Array(Set(options)).sorted()
    }

    /// config.json's `run` and `model`, compared as JSON values.
    static func config(_ run: URL) -> NSDictionary? {
        guard let data = try? Data(contentsOf: run.appendingPathComponent("config.json")) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? NSDictionary
    }

    @Test(arguments: [false, true])
    func everyListedOptionIsAppliedOrRefused(resume: Bool) throws {
        let options = try Self.listedOptions()
        #expect(options.count >= 20, "help lists \(options)")
        let base = ["train", "gan", "--data", "toy:ring8", "--steps", "2", "--batch-size", "8", "--out", "run"]
        let resumeArguments = ["train", "gan", "--out", "run", "--resume", "--steps", "3"]
        // Runs `extra` on a fresh run folder (or on a finished 2-step run made with `made`
        // options, resumed) and returns the outcome and the config.json it leaves.
        func outcome(_ extra: [String], made madeWith: [String] = []) throws -> (GANCommand.Result, NSDictionary?) {
            let folder = try GANCommand.temporaryFolder("option")
            defer { try? FileManager.default.removeItem(at: folder) }
            if resume {
                let made = try GANCommand.run(base + madeWith, in: folder)
                #expect(made.status == 0, "\(made.text)")
            }
            let result = try GANCommand.run((resume ? resumeArguments : base) + extra, in: folder)
            return (result, Self.config(folder.appendingPathComponent("run")))
        }
        let (control, defaultConfig) = try outcome([])
        #expect(control.status == 0, "\(control.text)")
        for option in options {
            guard let entry = Self.values[option] else {
                Issue.record("--\(option) is listed by `gan train --help` but has no entry in EveryOptionTests.values")
                continue
            }
            guard let value = entry else { continue }
            var controlConfig = defaultConfig
            if let setup = Self.controls[option] {
                let (made, config) = try outcome(resume ? [] : setup, made: setup)
                #expect(made.status == 0, "\(made.text)")
                controlConfig = config
            }
            let (result, config) = try outcome(["--\(option)"] + value, made: Self.controls[option] ?? [])
            if result.status != 0 {
                #expect(result.error.contains("Error:"), "--\(option): refused without a message: \(result.text)")
            } else {
                #expect(config != nil && config != controlConfig,
                        "\(resume ? "on --resume, " : "")--\(option) \(value.joined(separator: " ")) was accepted and changed nothing in config.json")
            }
        }
    }
}
