import Foundation
import Sweep

/// The ablation table as text.
enum ReportFormatter {
    static func number(_ v: Double?, _ digits: Int = 4) -> String {
        v.map { String(format: "%.\(digits)f", $0) } ?? "-"
    }

    /// Per weight: seeds done, mean and std of final mIoU, mean pixel accuracy, jobs not done; then
    /// the best weight.
    static func table(_ summary: AblationSummary) -> String {
        let rows = summary.rows.map { r in
            [String(r.auxWeight), "\(r.n)", number(r.meanIoU), number(r.stdIoU), number(r.meanPixelAccuracy),
             (r.failed.isEmpty ? "" : "failed seeds \(r.failed.map(String.init).joined(separator: ","))")
                + (r.failed.isEmpty || r.unfinished.isEmpty ? "" : "; ")
                + (r.unfinished.isEmpty ? "" : "unfinished seeds \(r.unfinished.map(String.init).joined(separator: ","))")]
        }
        var text = "sweep \(summary.sweep): final validation mIoU per aux weight (mean over seeds)\n"
        text += TextTable.render(header: ["aux_weight", "n", "miou_mean", "miou_std", "pixel_acc", "not done"], rows: rows)
        if let best = summary.best {
            text += "\nbest: w = \(best.auxWeight) (mean mIoU \(number(best.meanIoU)), \(best.n) seeds)"
        }
        return text
    }
}
