import Foundation

/// The ablation report as an aligned table, Markdown, CSV or JSON.
extension AblationReport {
    public enum Format: String, Sendable, CaseIterable { case table, markdown, csv, json }

    /// The report in `format`.
    public func rendered(_ format: Format) -> String {
        switch format {
        case .table: text(markdown: false)
        case .markdown: text(markdown: true)
        case .csv: TextTable.csv(header: Self.csvHeader, rows: rows.map(csvRow))
        case .json: json
        }
    }

    static func signed(_ v: Double?) -> String { v.map { String(format: "%+.4f", $0) } ?? "-" }
    static func p(_ v: Double?) -> String {
        guard let v else { return "-" }
        return v < 0.0001 ? "<0.0001" : String(format: "%.4f", v)
    }
    static func interval(_ ci: (low: Double, high: Double)?, signed: Bool = false) -> String {
        guard let ci else { return "-" }
        let f = signed ? Self.signed : { NumberText.fixed($0) }
        return "[\(f(ci.low)), \(f(ci.high))]"
    }

    /// The table's column names, as every text format shows them.
    public static let header = ["aux w", "n", "mIoU mean", "std", "95% CI", "pixel acc", "vs w=0 (paired)", "95% CI", "p (t)",
                         "p (perm)", "P(best)", "decide vs", "gap", "gap std", "seeds to decide", "not done"]

    /// The table's cells of every row, as every text format shows them (the dashboard's table too).
    public var tableCells: [[String]] { rows.map(cells) }

    func cells(_ r: Row) -> [String] {
        let dropped = adaptive?.rounds.first { $0.decision.map { $0.dropped.contains(r.auxWeight) || $0.failed.contains(r.auxWeight) } ?? false }
        let notDone = [dropped.map { "dropped after round \($0.round)" },
                       r.failed.isEmpty ? nil : "failed seeds \(NumberText.seeds(r.failed))",
                       r.unfinished.isEmpty ? nil : "unfinished seeds \(NumberText.seeds(r.unfinished))"]
            .compactMap { $0 }.joined(separator: "; ")
        let decide = r.toDecide
        return [Self.weight(r.auxWeight) + (best?.auxWeight == r.auxWeight ? " *" : ""), "\(r.summary?.n ?? 0)",
                NumberText.fixed(r.summary?.mean), NumberText.fixed(r.summary?.std), Self.interval(r.summary?.ci95),
                NumberText.fixed(r.pixelSummary?.mean), r.auxWeight == 0 ? "(baseline)" : Self.signed(r.deltaVsZero?.mean),
                Self.interval(r.deltaVsZero?.ci95, signed: true), Self.p(r.deltaVsZero?.pT), Self.p(r.deltaVsZero?.pPermutation),
                NumberText.fixed(r.probabilityBest, 3),
                decide.map { $0.versus == best?.auxWeight ? "best" : "w=0" } ?? "-", Self.signed(decide?.gap),
                NumberText.fixed(decide?.std), decide?.cell ?? "-", notDone.isEmpty ? "" : notDone]
    }

    func text(markdown: Bool) -> String {
        let title = "Sweep \(sweep): \(point.rawValue) validation mIoU per aux weight over seeds "
            + "(paired differences over shared seeds; P(best) by bootstrap over seeds; * = best; "
            + "gap = the best minus this weight, or for the best minus w = 0)"
        let table = markdown ? TextTable.markdown(header: Self.header, rows: tableCells)
                             : TextTable.render(header: Self.header, rows: tableCells, leftAligned: [0, 11])
        // In Markdown each line under the table is a paragraph of its own (single newlines would run them
        // together when rendered).
        let summary = summaryLines.joined(separator: markdown ? "\n\n" : "\n")
        return [markdown ? "**\(title)**\n" : title, table, "", summary].joined(separator: "\n")
    }

    /// The lines under the table: the best and the weights tied with it, the seeds to decide, an
    /// adaptive sweep's plan and rounds, what the means leave out, and the verdict.
    public var summaryLines: [String] {
        var lines: [String] = []
        if let best {
            lines.append("Best: w = \(Self.weight(best.auxWeight)); not significantly worse (paired t-test against it, "
                         + "alpha \(alpha)): \(best.tied.isEmpty ? "none" : best.tied.map { Self.weight($0) }.joined(separator: ", ")).")
        }
        if let toDecideLine { lines.append(toDecideLine) }
        if let adaptive { lines += adaptive.lines }
        if let missing = missingText { lines.append("Not in the means (failed or unfinished): \(missing).") }
        lines.append(verdict)
        return lines
    }

    /// The failed and unfinished jobs, weights with the same seeds missing together: "seeds 10-14 of
    /// every weight" in the middle of a round, "seeds 1-2 of w = 1.0"; nil when nothing is missing.
    var missingText: String? {
        var groups: [(seeds: [Int64], weights: [Double])] = []
        for r in rows {
            let seeds = (r.failed + r.unfinished).sorted()
            guard !seeds.isEmpty else { continue }
            if let i = groups.firstIndex(where: { $0.seeds == seeds }) { groups[i].weights.append(r.auxWeight) } else { groups.append((seeds, [r.auxWeight])) }
        }
        guard !groups.isEmpty else { return nil }
        return groups.map { g in
            let which = rows.count > 1 && g.weights.count == rows.count ? "every weight" : "w = " + g.weights.map { Self.weight($0) }.joined(separator: ", ")
            return "\(g.seeds.count == 1 ? "seed" : "seeds") \(NumberText.seeds(g.seeds)) of \(which)"
        }.joined(separator: "; ")
    }

    static let csvHeader = ["aux_weight", "n", "miou_mean", "miou_std", "miou_ci95_low", "miou_ci95_high", "pixel_acc_mean",
                            "delta_vs_zero_mean", "delta_ci95_low", "delta_ci95_high", "p_t", "p_permutation", "p_best",
                            "decide_versus", "decide_gap", "decide_gap_std", "seeds_to_decide", "failed_seeds", "unfinished_seeds"]

    func csvRow(_ r: Row) -> [String] {
        func num(_ v: Double?) -> String { v.flatMap { $0.isFinite ? String($0) : nil } ?? "" }
        let d = r.toDecide
        return [String(r.auxWeight), "\(r.summary?.n ?? 0)", num(r.summary?.mean), num(r.summary?.std), num(r.summary?.ci95?.low),
                num(r.summary?.ci95?.high), num(r.pixelSummary?.mean), num(r.deltaVsZero?.mean), num(r.deltaVsZero?.ci95?.low),
                num(r.deltaVsZero?.ci95?.high), num(r.deltaVsZero?.pT), num(r.deltaVsZero?.pPermutation), num(r.probabilityBest),
                num(d?.versus), num(d?.gap), num(d?.std), d.map { $0.seeds == .undefined ? "" : $0.cell } ?? "",
                r.failed.map(String.init).joined(separator: " "), r.unfinished.map(String.init).joined(separator: " ")]
    }

    /// The report as JSON (`ReportDocument`, keys sorted, pretty-printed).
    var json: String {
        // A non-finite number anywhere (none is expected) becomes a string rather than stopping the report.
        guard let data = try? JSONOutput.encoder(pretty: true).encode(ReportDocument(self)) else { preconditionFailure("the report is plain JSON values") }
        return String(decoding: data, as: UTF8.self)
    }
}
