export type {
  ChartBlock,
  ChartSeries,
  MetricsBlock,
  ReportBlock,
  ReportDoc,
  ReportSection,
  TableBlock,
  TextBlock,
} from './render.ts';
export { downsampleSeries, escapeHtml, renderReport, writeReport } from './render.ts';
