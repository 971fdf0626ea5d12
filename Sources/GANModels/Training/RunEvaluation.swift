/// Evaluation during training, as `gan train --eval-every` sets it: saved in `config.json`
/// (`run.evaluation`) so that `--resume` evaluates as the run started.
///
/// ```json
/// "evaluation" : { "count" : 2000, "every" : 500, "metrics" : "fid,kid" }
/// ```
public struct RunEvaluation: Codable, Equatable, Sendable {
    /// Evaluate every `every` steps and after the last.
    public var every: Int
    /// Comma-separated metric names (`fid,kid`), as `--eval-metrics` takes them.
    public var metrics: String
    /// Generated images per evaluation (and reference images).
    public var count: Int
    /// The feature network (`classifier`, `inception`); `nil`: the default for the image shape.
    public var features: String?

    /// The `--eval-metrics` default.
    public static let defaultMetrics = "fid"
    /// The `--eval-count` default.
    public static let defaultCount = 2000

    public init(every: Int, metrics: String = RunEvaluation.defaultMetrics, count: Int = RunEvaluation.defaultCount,
                features: String? = nil) {
        self.every = every
        self.metrics = metrics
        self.count = count
        self.features = features
    }
}
