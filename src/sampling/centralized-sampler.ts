import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import type { Endpoint } from '../config/daemon-address';
import { formatEndpoint } from '../config/daemon-address';
import { ATTR } from '../attribute-keys';
import { fetchMetadata, parseJsonObject } from '../resources/metadata-http';
import { randomHexId } from '../translate/ids';
import { parseSamplingRules, ruleMatches } from './centralized-rules';
import type { CentralRule, SamplingRequest } from './centralized-rules';
import { describeRequest } from './local-rules-sampler';
import { Reservoir } from './reservoir';
import { ruleHash, RULE_KEY } from './rule-hash';

export interface CentralizedSamplerOptions {
  /** The daemon's TCP address (its sampling proxy). */
  readonly endpoint: Endpoint;
  /** Decides until the first rules arrive, and whenever the daemon has given none. */
  readonly fallback: Sampler;
  readonly serviceName: string;
  /** The `origin` rules match ServiceType against (from cloud.platform); may change once detection settles. */
  readonly serviceType?: () => string;
  readonly warn: (message: string) => void;
  readonly rulesIntervalMillis?: number;
  readonly targetsIntervalMillis?: number;
  /** Each request to the proxy. Default 2000. */
  readonly requestTimeoutMillis?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Pages of GetSamplingRules followed at most (X-Ray allows a few hundred rules; 100 a page). */
const MAX_RULE_PAGES = 20;

const NOT_RECORDED: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

/** At most this many boost statistics documents per SamplingTargets call (the API's limit). */
const MAX_BOOST_DOCUMENTS = 25;

/** One rule's live state: its quota from the last target, borrowing, and the statistics to report. */
class RuleState {
  quota: Reservoir | undefined;
  quotaUntilMillis = 0;
  fixedRate: number;
  borrow = new Reservoir(1);
  requests = 0;
  sampled = 0;
  borrowed = 0;
  /** X-Ray's sampling boost: this rate in place of the fixed rate, after the reservoir, until the time given. */
  boostRate = 0;
  boostUntilMillis = 0;
  /** Adaptive sampling statistics (rules with SamplingRateBoost): traces seen, anomalous, anomalous and sampled. */
  traces = 0;
  anomalies = 0;
  sampledAnomalies = 0;

  /** A boost rule's key in the trace (`xrsr`), and the trace state carrying it, made once. */
  readonly hash: string | undefined;
  readonly traceState: TraceState | undefined;

  /** `previous`: the state of the same rule before a refresh, whose quota, borrowing and statistics carry on. */
  constructor(readonly rule: CentralRule, previous?: RuleState) {
    this.fixedRate = rule.fixedRate;
    this.hash = rule.boost === undefined ? undefined : ruleHash(rule.name);
    this.traceState = this.hash === undefined ? undefined : new TraceState().set(RULE_KEY, this.hash);
    if (previous === undefined) return;
    this.quota = previous.quota;
    this.quotaUntilMillis = previous.quotaUntilMillis;
    this.borrow = previous.borrow;
    // The rate a target set stands until the next target, unless the rule's own rate was changed.
    if (rule.fixedRate === previous.rule.fixedRate) this.fixedRate = previous.fixedRate;
    this.requests = previous.requests;
    this.sampled = previous.sampled;
    this.borrowed = previous.borrowed;
    this.boostRate = previous.boostRate;
    this.boostUntilMillis = previous.boostUntilMillis;
    this.traces = previous.traces;
    this.anomalies = previous.anomalies;
    this.sampledAnomalies = previous.sampledAnomalies;
  }

  /** The rate after the reservoir: X-Ray's boost while it lasts (it replaces the fixed rate), else the fixed rate. */
  private _rate(nowMillis: number): number {
    return nowMillis < this.boostUntilMillis ? this.boostRate : this.fixedRate;
  }

  decide(nowMillis: number, random: () => number): boolean {
    this.requests++;
    let sampled: boolean;
    if (this.quota !== undefined && nowMillis < this.quotaUntilMillis) {
      sampled = this.quota.take(nowMillis) || random() < this._rate(nowMillis);
    } else if (this.rule.reservoirSize > 0 && this.borrow.take(nowMillis)) {
      // No valid quota yet (or any more): borrow one request a second, as the SDKs do.
      this.borrowed++;
      sampled = true;
    } else {
      sampled = random() < this._rate(nowMillis);
    }
    if (sampled) this.sampled++;
    return sampled;
  }
}

/**
 * X-Ray's centralized sampling through the daemon's proxy: rules (GetSamplingRules) fetched at once in the
 * background and every 5 minutes, targets (SamplingTargets) every 10 seconds with each rule's statistics. Until
 * rules arrive, and when the daemon cannot be reached, the fallback sampler (local rules) decides; the last good
 * rules keep working. Timers are unref'd; failures give one warning per kind.
 */
export class CentralizedSampler implements Sampler {
  private _states: RuleState[] | undefined;
  private _hasBoostRules = false;
  private readonly _clientId = randomHexId(12);
  private readonly _now: () => number;
  private readonly _random: () => number;
  private _rulesTimer: NodeJS.Timeout | undefined;
  private _targetsTimer: NodeJS.Timeout | undefined;
  private _lastRulesFetchSeconds = 0;
  /** Consecutive failed polls: the wait before the next one doubles with each, up to the rules interval. */
  private _failures = 0;
  private readonly _warned = new Set<string>();
  /** Why no rules have arrived yet (the proxy's last failure), told once a request is sampled without them. */
  private _noRulesBecause: string | undefined;
  private _stopped = false;

  constructor(private readonly _options: CentralizedSamplerOptions) {
    this._now = _options.now ?? Date.now;
    this._random = _options.random ?? Math.random;
  }

  /** Starts polling: the first rules request now (never awaited), then on schedule. */
  start(): this {
    this._scheduleRules(0);
    this._scheduleTargets(this._options.targetsIntervalMillis ?? 10_000);
    return this;
  }

  stop(): void {
    this._stopped = true;
    if (this._rulesTimer !== undefined) clearTimeout(this._rulesTimer);
    if (this._targetsTimer !== undefined) clearTimeout(this._targetsTimer);
  }

  /** The rules with SamplingRateBoost, by name: those whose traces adaptive sampling counts. */
  boostRule(name: string): CentralRule | undefined {
    const state = this._states?.find((s) => s.rule.name === name);
    return state?.rule.boost === undefined ? undefined : state.rule;
  }

  /** The boost rule a trace carries (its `xrsr`, from the root service), if this service has it too. */
  boostRuleByHash(hash: string): CentralRule | undefined {
    return this._states?.find((s) => s.hash === hash)?.rule;
  }

  /** True when some rule in use has SamplingRateBoost (asked on every unsampled decision: kept, not computed). */
  get hasBoostRules(): boolean {
    return this._hasBoostRules;
  }

  /**
   * Adaptive sampling counts a trace under the rule that decided it: once when this process first sees it end a
   * span, and once more (and as sampled, if it was) when it is first found anomalous. Reported with the targets.
   */
  countTrace(ruleName: string, event: 'seen' | 'anomaly', sampled: boolean): void {
    const state = this._states?.find((s) => s.rule.name === ruleName);
    if (state?.rule.boost === undefined) return;
    if (event === 'seen') {
      state.traces++;
      return;
    }
    state.anomalies++;
    if (sampled) state.sampledAnomalies++;
  }

  /** How long the next poll waits after failures, for tests and diagnostics. */
  nextTargetsDelayMillis(): number {
    return this._backoff(this._options.targetsIntervalMillis ?? 10_000);
  }

  /** Fetches the rules now; true when new rules were taken. */
  async refreshRules(): Promise<boolean> {
    // Follow NextToken across pages (a bounded number of them), then take the rules all at once.
    const records: unknown[] = [];
    let token: string | null = null;
    let rules: CentralRule[] | undefined;
    for (let page = 0; page < MAX_RULE_PAGES; page++) {
      const reply = await this._post('/GetSamplingRules', { NextToken: token });
      const pageRecords = (reply as { SamplingRuleRecords?: unknown } | undefined)?.SamplingRuleRecords;
      if (!Array.isArray(pageRecords)) {
        if (reply !== undefined) this._problem('rules-invalid', 'the daemon answered GetSamplingRules with something that is not a rules document');
        this._failures++;
        return false;
      }
      records.push(...pageRecords);
      const next = (reply as { NextToken?: unknown }).NextToken;
      if (typeof next !== 'string' || next === '') {
        rules = parseSamplingRules(records);
        break;
      }
      token = next;
    }
    if (rules === undefined) {
      this._problem('rules-pages', `GetSamplingRules kept answering with more pages after ${MAX_RULE_PAGES}`);
      this._failures++;
      return false;
    }
    this._failures = 0;
    const previous = new Map((this._states ?? []).map((s) => [s.rule.name, s]));
    this._states = rules.map((rule) => new RuleState(rule, previous.get(rule.name)));
    this._hasBoostRules = rules.some((rule) => rule.boost !== undefined);
    this._lastRulesFetchSeconds = this._now() / 1000;
    return true;
  }

  /** Reports statistics and applies the targets the service returns. */
  async refreshTargets(): Promise<number | undefined> {
    const states = this._states;
    if (states === undefined || states.length === 0) return undefined;
    const timestamp = Math.floor(this._now() / 1000);
    const documents = states.map((s) => ({
      RuleName: s.rule.name, ClientID: this._clientId, Timestamp: timestamp,
      RequestCount: s.requests, SampledCount: s.sampled, BorrowCount: s.borrowed,
    }));
    for (const s of states) s.requests = s.sampled = s.borrowed = 0;
    // Adaptive sampling: each boost rule's traces since the last call, named by this service (X-Ray boosts from these).
    const boostDocuments = states
      .filter((s) => s.rule.boost !== undefined && s.traces > 0)
      .slice(0, MAX_BOOST_DOCUMENTS)
      .map((s) => ({
        RuleName: s.rule.name, ServiceName: this._options.serviceName.slice(0, 64), Timestamp: timestamp,
        TotalCount: s.traces, AnomalyCount: s.anomalies, SampledAnomalyCount: s.sampledAnomalies,
      }));
    for (const s of states) s.traces = s.anomalies = s.sampledAnomalies = 0;
    const body = boostDocuments.length > 0
      ? { SamplingStatisticsDocuments: documents, SamplingBoostStatisticsDocuments: boostDocuments }
      : { SamplingStatisticsDocuments: documents };
    const reply = await this._post('/SamplingTargets', body);
    const targets = (reply as { SamplingTargetDocuments?: unknown } | undefined)?.SamplingTargetDocuments;
    this._failures = Array.isArray(targets) ? 0 : this._failures + 1;
    if (!Array.isArray(targets)) {
      if (reply !== undefined) this._problem('targets-invalid', 'the daemon answered SamplingTargets with something that is not a targets document');
      return undefined;
    }
    let interval: number | undefined;
    for (const target of targets as Array<Record<string, unknown>>) {
      const state = states.find((s) => s.rule.name === target?.RuleName);
      if (state === undefined) continue;
      if (typeof target.FixedRate === 'number' && target.FixedRate >= 0 && target.FixedRate <= 1) state.fixedRate = target.FixedRate;
      if (typeof target.ReservoirQuota === 'number' && target.ReservoirQuota >= 0 && typeof target.ReservoirQuotaTTL === 'number') {
        state.quota = new Reservoir(Math.floor(target.ReservoirQuota));
        state.quotaUntilMillis = target.ReservoirQuotaTTL * 1000;
      }
      // A boost lasts until its TTL (epoch seconds); a target without one ends any boost, as X-Ray resends it while
      // it lasts.
      const boost = target.SamplingBoost as { BoostRate?: unknown; BoostRateTTL?: unknown } | undefined;
      if (boost !== null && typeof boost === 'object' && typeof boost.BoostRate === 'number' && boost.BoostRate >= 0 && boost.BoostRate <= 1 && typeof boost.BoostRateTTL === 'number') {
        state.boostRate = boost.BoostRate;
        state.boostUntilMillis = boost.BoostRateTTL * 1000;
      } else {
        state.boostUntilMillis = 0;
      }
      if (typeof target.Interval === 'number' && target.Interval > 0) {
        // Between 1 s and 5 min whatever the service says: no storm, no timer overflow.
        interval = Math.min(interval ?? Infinity, Math.min(Math.max(target.Interval * 1000, 1000), 300_000));
      }
    }
    const modified = (reply as { LastRuleModification?: unknown }).LastRuleModification;
    if (!this._stopped && typeof modified === 'number' && modified > this._lastRulesFetchSeconds) await this.refreshRules();
    return interval;
  }

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const states = this._states;
    if (states === undefined || states.length === 0) {
      if (states === undefined && this._noRulesBecause !== undefined) {
        this._warnOnce('no-rules', `${this._noRulesBecause}: requests are sampled by the local rules until it answers`);
      }
      return this._options.fallback.shouldSample(context, traceId, name, kind, attributes, links);
    }
    const request = this._describe(attributes ?? {});
    for (const state of states) {
      if (!ruleMatches(state.rule, request)) continue;
      const sampled = state.decide(this._now(), this._random);
      // A boost rule travels with the trace (xrsr), so downstream services count their anomalies toward it.
      const traceState = state.traceState === undefined ? {} : { traceState: state.traceState };
      if (sampled) return { decision: SamplingDecision.RECORD_AND_SAMPLED, attributes: { [ATTR.XRAY_SAMPLING_RULE_NAME]: state.rule.name }, ...traceState };
      // A boost rule's unsampled traces count too: the rule is named for when the span is recorded all the same.
      return state.rule.boost === undefined
        ? NOT_RECORDED
        : { decision: SamplingDecision.NOT_RECORD, attributes: { [ATTR.XRAY_SAMPLING_RULE_NAME]: state.rule.name }, ...traceState };
    }
    return this._options.fallback.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    const rules = (this._states ?? []).map((s) => `${s.rule.name}(priority ${s.rule.priority}, reservoir ${s.rule.reservoirSize}, rate ${s.fixedRate})`);
    return `CentralizedSampler{daemon=${formatEndpoint(this._options.endpoint)}, rules=[${rules.join(', ')}], fallback=${this._options.fallback.toString()}}`;
  }

  private _describe(attrs: Attributes): SamplingRequest {
    const request = describeRequest(attrs);
    return {
      serviceName: this._options.serviceName,
      serviceType: this._options.serviceType?.() ?? '',
      host: request.host,
      method: request.method,
      path: request.path,
      resourceArn: '',
      attributes: attrs,
    };
  }

  /** The wait before the next poll: the normal interval, doubled for each consecutive failure (at most 5 min). */
  private _backoff(intervalMillis: number): number {
    return Math.min(intervalMillis * 2 ** Math.min(this._failures, 10), Math.max(intervalMillis, 300_000), 2 ** 31 - 1);
  }

  private async _post(path: string, body: unknown): Promise<unknown> {
    if (this._stopped) return undefined;
    const url = `http://${formatEndpoint(this._options.endpoint)}${path}`;
    const reply = await fetchMetadata({
      method: 'POST', url, body: JSON.stringify(body), headers: { 'content-type': 'application/json' },
      timeoutMillis: this._options.requestTimeoutMillis ?? 2000, maxBytes: 1024 * 1024,
    });
    if (reply === undefined) {
      this._problem('unreachable', `the X-Ray daemon's sampling proxy at ${formatEndpoint(this._options.endpoint)} does not answer`);
      return undefined;
    }
    if (reply.status !== 200) {
      this._problem(`status-${reply.status}`, `the X-Ray daemon answered ${path} with HTTP ${reply.status}`);
      return undefined;
    }
    const parsed = parseJsonObject(reply.body);
    if (parsed === undefined) this._problem('garbage', `the X-Ray daemon answered ${path} with something that is not JSON`);
    return parsed;
  }

  /**
   * A failed poll. Before any rules have arrived it matters only once a request is sampled without them (a
   * process that never serves one, `node -e 0`, an npm script, says nothing); after, the rules in use are kept
   * and the failure is warned once per kind.
   */
  private _problem(kind: string, message: string): void {
    if (this._states === undefined) this._noRulesBecause = message;
    else this._warnOnce(kind, `${message}; keeping the rules in use`);
  }

  private _warnOnce(kind: string, message: string): void {
    if (this._warned.has(kind)) return;
    this._warned.add(kind);
    this._options.warn(message);
  }

  private _scheduleRules(delayMillis: number): void {
    if (this._stopped) return;
    this._rulesTimer = setTimeout(() => {
      void this.refreshRules().catch(() => false).finally(() => {
        // Every 5 minutes, with up to 5 s of jitter so a fleet does not poll in step.
        // While the daemon cannot be reached the first rules are retried sooner (10 s, backing off), not in 5 min.
        const interval = this._states === undefined ? this._backoff(10_000) : this._options.rulesIntervalMillis ?? 300_000;
        this._scheduleRules(interval + Math.floor(this._random() * 5000));
      });
    }, delayMillis);
    this._rulesTimer.unref();
  }

  private _scheduleTargets(delayMillis: number): void {
    if (this._stopped) return;
    this._targetsTimer = setTimeout(() => {
      void this.refreshTargets().catch(() => undefined).then((interval) => {
        this._scheduleTargets(this._backoff(interval ?? this._options.targetsIntervalMillis ?? 10_000) + Math.floor(this._random() * 100));
      });
    }, delayMillis);
    this._targetsTimer.unref();
  }
}
