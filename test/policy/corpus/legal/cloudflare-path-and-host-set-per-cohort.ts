import { originRecord, originRuleset } from "../baseline/cloudflare.js";
import type { LegalCase } from "../shapes.js";

export const legal: LegalCase = {
  why: 'Cloudflare rules that select their cohort by a "/<cohort>/" path prefix (starts_with), by a host set (http.host in {"pro.example.com"}) or by a lower()-normalised cohort header, each routed to that cohort\'s own origin: they match a cohort, so none is a catch-all.',
  platform: "cloudflare",
  program: () => {
    originRecord("free");
    originRecord("pro");
    originRuleset([
      {
        ref: "free_by_path",
        expression: `http.host eq "api.example.com" and starts_with(http.request.uri.path, "/free/")`,
        origin: "origin-free.example.com",
      },
      {
        ref: "pro_by_host",
        expression: `http.host in {"pro.example.com" "pro.api.example.com"}`,
        origin: "origin-pro.example.com",
      },
      {
        ref: "pro_by_header",
        expression: `lower(http.request.headers["x-customer-cohort"][0]) eq "pro"`,
        origin: "origin-pro.example.com",
      },
    ]);
  },
};
