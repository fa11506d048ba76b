import PolyICLCore
import PolyICLRender

/// Grids of sampled functions, with a model's predictions when one is given.
enum TaskFigures {
    static func samples(_ functions: [SampledFunction], title: String, model: (name: String, predictions: [[Double]])?) -> String {
        let panels: [FigurePanel] = functions.enumerated().map { index, f in
            let chart = Chart.function(
                title: "sample \(index + 1)", curveXs: f.curveXs, truth: f.curveYs,
                prediction: model?.predictions[index], contextXs: f.contextXs, contextYs: f.contextYs,
                predictionLabel: model.map { "\($0.name) prediction" } ?? "model prediction",
                contextLabel: "\(f.contextXs.count) context points")
            return .chart(chart)
        }
        return FigureGrid(title: title, panels: panels, columns: min(4, max(1, functions.count)), panelWidth: 340, panelHeight: 290).svg()
    }
}
