/// An evaluation the trainer runs every `every` generator steps and after the last one, without
/// touching the training state (the closure should sample from its own seeded latents, in
/// evaluation mode, as `LatentModel.generate` does). Its values go to metrics.jsonl as
/// `{"step": 500, "eval": {"fid": 23.1, "kid": 0.012}, "eval_seconds": 4.2, "eval_settings": {...}}`.
///
/// ```swift
/// trainer.evaluation = TrainingEvaluation(every: 500, settings: ["features": "classifier", "count": 2000]) { model in
///     [("fid", try fid(of: model))]
/// }
/// ```
public struct TrainingEvaluation {
    /// Generator steps between evaluations (positive).
    public var every: Int
    /// What stays the same from one evaluation to the next (features, sample count), written
    /// with each line as `eval_settings`; JSON values only.
    public var settings: [String: Any]
    /// The metric values of the model as it is now, by name; non-finite values are left out of
    /// the line.
    public var evaluate: (any TrainableModel) throws -> [(key: String, value: Double)]

    public init(every: Int, settings: [String: Any] = [:], evaluate: @escaping (any TrainableModel) throws -> [(key: String, value: Double)]) {
        precondition(every > 0, "TrainingEvaluation: every \(every) must be positive")
        self.every = every
        self.settings = settings
        self.evaluate = evaluate
    }
}
