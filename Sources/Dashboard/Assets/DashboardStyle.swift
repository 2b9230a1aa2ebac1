/// The dashboard's stylesheet, served as `/assets/dashboard.css` (bundled: the page works offline).
enum DashboardStyle {
    static let css = #"""
    body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #fafafa; }
    header { background: #223; color: white; padding: 8px 16px; }
    header a.home { color: white; font-weight: bold; text-decoration: none; }
    header .live { float: right; font-size: 13px; color: #9c9; }
    header .live.stale { color: #f99; }
    main { padding: 8px 16px 32px; }
    h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 24px; }
    table { border-collapse: collapse; font-size: 13px; background: white; }
    th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; }
    table.sweeps td:first-child, table.facts th, table.grid th { text-align: left; }
    table.report tr.best { background: #fff3d6; font-weight: bold; }
    table.grid td.cell { min-width: 62px; text-align: center; font-variant-numeric: tabular-nums; }
    table.grid td.cell a { color: inherit; text-decoration: none; display: block; }
    td.cell.pending { background: #eee; color: #888; }
    td.cell.running { background: #cfe3ff; }
    td.cell.done { background: #c9efc9; }
    td.cell.failed { background: #f8c4c4; }
    td.cell.interrupted { background: #ffe2b3; }
    td.cell.absent { background: repeating-linear-gradient(45deg, #f4f4f4, #f4f4f4 4px, #fff 4px, #fff 8px); }
    .dropped { color: #a33; font-weight: normal; font-size: 11px; }
    .verdict { font-weight: bold; }
    pre { background: #f2f2f2; padding: 8px; overflow-x: auto; white-space: pre-wrap; }
    pre.error, p.error { color: #a00; }
    img { max-width: 100%; border: 1px solid #ddd; background: white; }
    .note, .progress { color: #555; }
    """#
}
