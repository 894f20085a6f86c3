export const DASHBOARD_HTML = "<!doctype html><title>dfly</title>";
