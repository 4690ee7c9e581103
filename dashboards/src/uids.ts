// The dashboards' UIDs, fixed so that alert rules link to their panels and bookmarks survive a
// rebuild or an import. Apart from the dashboards, so that alerts.ts (which links to them) and the
// dashboards (which take its thresholds) do not import each other.
export const OVERVIEW_UID = 'delivery-ledger-overview';
export const PIPELINE_UID = 'delivery-ledger-pipeline';
