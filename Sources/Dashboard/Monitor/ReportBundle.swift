import Segmentation
import Sweep

/// A sweep's report at one report version with its renderings, made once and served to every request
/// until what the report rests on changes.
struct ReportBundle: Sendable {
    let version: Int
    let report: AblationReport
    /// As `report --format json`, `--format csv`, `--format markdown` and `--plot` write them.
    let json: String
    let csv: String
    let markdown: String
    let ablationSVG: String

    init(version: Int, report: AblationReport) {
        self.version = version
        self.report = report
        json = report.rendered(.json)
        csv = report.rendered(.csv)
        markdown = report.rendered(.markdown)
        ablationSVG = report.ablationSVG()
    }
}

/// One job's page data, read in one go.
struct JobDetail: Sendable {
    let sweep: String
    let cell: JobCell
    let job: JobRecord
    let steps: [StepRecord]
    let evaluations: [EvaluationRecord]
}
