import PolyICLCore
import PolyICLRender

/// The live progress display of `train`: one line of text and a small HTML block.
enum TrainingProgressView {
    static func bundle(model: String, progress p: TrainingProgress, firstStep: Int) -> MIMEBundle {
        let percent = p.totalSteps > 0 ? p.step * 100 / p.totalSteps : 100
        let width = 30
        let filled = p.totalSteps > 0 ? p.step * width / p.totalSteps : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let loss = TextFormat.number(Double(p.loss))
        let rate = TextFormat.number(p.stepsPerSecond, digits: 3)
        let text = "training \(model) [\(bar)] step \(p.step)/\(p.totalSteps) (\(percent)%)  loss \(loss)  points \(p.points)  "
            + "\(rate) steps/s  elapsed \(TextFormat.duration(p.elapsed))  remaining \(TextFormat.duration(p.estimatedRemaining))"
        let html = """
        <div style="font-family:monospace;line-height:1.5"><b>training \(XMLEscaping.escape(model))</b> \
        <progress value="\(p.step)" max="\(p.totalSteps)" style="width:16em;vertical-align:middle"></progress> \
        step \(p.step)/\(p.totalSteps) (\(percent)%)<br>loss <b>\(loss)</b> · points \(p.points) · \(rate) steps/s · \
        elapsed \(TextFormat.duration(p.elapsed)) · remaining \(TextFormat.duration(p.estimatedRemaining))</div>
        """
        return MIMEBundle(plainText: text, html: html)
    }

    static func starting(model: String, steps: Int, firstStep: Int) -> MIMEBundle {
        let text = "training \(model): starting at step \(firstStep + 1) of \(steps)"
        return MIMEBundle(plainText: text, html: "<div style=\"font-family:monospace\">\(XMLEscaping.escape(text))</div>")
    }
}
