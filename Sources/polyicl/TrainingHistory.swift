import Foundation

/// The training history kept in a checkpoint's `training_history` metadata entry: a JSON
/// object `{"runs": [run, ...]}`, one entry per `polyicl train` run, oldest first. Each run
/// has its settings, the steps done, and the loss curve (`loss`, the mean loss of each
/// consecutive block of `loss_every` steps, at most ``maximumCurvePoints`` values).
enum TrainingHistory {
    static let maximumCurvePoints = 1000

    /// The block size and block means that summarise `losses` in at most `maximumCurvePoints` values.
    static func downsample(_ losses: [Float]) -> (every: Int, means: [Double]) {
        guard !losses.isEmpty else { return (1, []) }
        let every = (losses.count + maximumCurvePoints - 1) / maximumCurvePoints
        var means: [Double] = []
        means.reserveCapacity(losses.count / every + 1)
        var start = 0
        while start < losses.count {
            let block = losses[start..<min(start + every, losses.count)]
            means.append(block.reduce(0.0) { $0 + Double($1) } / Double(block.count))
            start += every
        }
        return (every, means)
    }

    /// `previous` (a checkpoint's history, possibly nil or written by another program) with
    /// `run` appended, as JSON text. A previous history not in this format is kept whole as
    /// the first run, under `"imported"`.
    static func appending(_ run: [String: Any], to previous: String?) -> String {
        var runs: [Any] = []
        if let previous, !previous.isEmpty {
            let parsed = try? JSONSerialization.jsonObject(with: Data(previous.utf8), options: [.fragmentsAllowed])
            if let object = parsed as? [String: Any], let old = object["runs"] as? [Any] {
                runs = old
            } else {
                runs = [["imported": parsed ?? previous]]
            }
        }
        runs.append(run)
        let data = (try? JSONSerialization.data(withJSONObject: ["runs": runs], options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Rounds to 6 significant digits so that the curve stays small in the file header.
    static func compact(_ value: Double) -> Double {
        guard value.isFinite, value != 0 else { return value.isFinite ? value : 0 }
        let scale = pow(10, 5 - floor(log10(abs(value))))
        return (value * scale).rounded() / scale
    }
}
