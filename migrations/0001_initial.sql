-- 0001_initial: telemetry, predictions, intents, actions, profiles, generations.
-- Timestamps are integer Unix milliseconds (UTC). JSON columns hold canonical JSON text.

-- One row per time series: a metric name and its labels (canonical JSON object, keys sorted).
CREATE TABLE series (
    id         INTEGER PRIMARY KEY,
    metric     TEXT    NOT NULL,
    labels     TEXT    NOT NULL DEFAULT '{}',
    unit       TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (metric, labels)
);

-- Observed values.
CREATE TABLE samples (
    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    ts        INTEGER NOT NULL,
    value     REAL    NOT NULL,
    PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;

-- Forecasts: one row per series, forecast run and horizon step.
CREATE TABLE predictions (
    id             INTEGER PRIMARY KEY,
    series_id      INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    model          TEXT    NOT NULL,          -- forecaster, e.g. 'edge-llm', 'seasonal_naive24'
    made_at        INTEGER NOT NULL,          -- when the forecast was made
    origin_ts      INTEGER NOT NULL,          -- last observation the forecaster saw
    target_ts      INTEGER NOT NULL,          -- the time the value is predicted for
    horizon_step   INTEGER NOT NULL CHECK (horizon_step >= 1),
    value          REAL    NOT NULL,          -- point forecast (median)
    lower          REAL,                      -- prediction interval, lower bound
    upper          REAL,                      -- prediction interval, upper bound
    interval_level REAL                       -- coverage of [lower, upper], e.g. 0.8
);
CREATE INDEX predictions_by_series ON predictions (series_id, model, made_at);

-- The newest forecast run of every (series, model), with the series' metric and labels.
CREATE VIEW latest_predictions AS
SELECT p.id, p.series_id, s.metric, s.labels, s.unit, p.model, p.made_at, p.origin_ts,
       p.target_ts, p.horizon_step, p.value, p.lower, p.upper, p.interval_level
FROM predictions p
JOIN series s ON s.id = p.series_id
WHERE p.made_at = (SELECT max(q.made_at) FROM predictions q
                   WHERE q.series_id = p.series_id AND q.model = p.model);

-- Intents inferred from operators' requests and users' prompts (schema netgpt/intent.v1).
CREATE TABLE intents (
    id            INTEGER PRIMARY KEY,
    created_at    INTEGER NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('operator', 'user')),
    principal     TEXT,                       -- operator name or user id
    text          TEXT    NOT NULL,           -- the natural-language request
    intent        TEXT,                       -- JSON, netgpt/intent.v1; NULL when not understood
    verb          TEXT,                       -- copied from intent for queries
    target_kind   TEXT,
    target_id     TEXT,
    status        TEXT    NOT NULL DEFAULT 'accepted'
                  CHECK (status IN ('accepted', 'needs_clarification', 'rejected', 'expired', 'withdrawn')),
    clarification TEXT,                       -- the question asked back, or the rejection reason
    confidence    REAL,
    valid_from    INTEGER,                    -- window start; NULL = now
    valid_until   INTEGER,                    -- window end; NULL = open-ended
    model         TEXT
);
CREATE INDEX intents_by_time ON intents (created_at);

-- Every decision of the policy engine, executed or not (the audit trail).
CREATE TABLE actions (
    id           INTEGER PRIMARY KEY,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    policy       TEXT    NOT NULL,
    rule         TEXT    NOT NULL,
    trigger_kind TEXT    NOT NULL CHECK (trigger_kind IN ('prediction', 'intent', 'revert', 'manual')),
    trigger_id   INTEGER,                     -- predictions.id, intents.id or actions.id (revert)
    action_type  TEXT    NOT NULL,
    executor     TEXT    NOT NULL,            -- exec | webhook | log
    target       TEXT,                        -- the element acted on, e.g. 'cell:12'
    params       TEXT    NOT NULL DEFAULT '{}', -- validated parameters, JSON
    mode         TEXT    NOT NULL DEFAULT 'enforce' CHECK (mode IN ('enforce', 'dry-run')),
    status       TEXT    NOT NULL,            -- proposed|approved|executing|succeeded|failed|skipped_*|reverted|rejected
    reason       TEXT,
    output       TEXT,                        -- executor output, truncated
    error        TEXT,
    started_at   INTEGER,
    finished_at  INTEGER,
    revert_of    INTEGER REFERENCES actions(id),
    revert_at    INTEGER,                     -- when the automatic revert is due
    decided_by   TEXT                         -- who approved or rejected
);
CREATE INDEX actions_by_status ON actions (status, created_at);
CREATE INDEX actions_by_target ON actions (target, created_at);

-- Users' profiles for personalized prompt completion.
CREATE TABLE profiles (
    user_id    TEXT    PRIMARY KEY,
    attributes TEXT    NOT NULL DEFAULT '{}',  -- JSON: preferences, language, device
    location   TEXT,                           -- cell or site id
    updated_at INTEGER NOT NULL
);

-- Personalized generations: the user's prompt, the edge-completed prompt and the cloud's answer.
CREATE TABLE generations (
    id                INTEGER PRIMARY KEY,
    created_at        INTEGER NOT NULL,
    user_id           TEXT,
    edge_model        TEXT    NOT NULL,
    cloud_model       TEXT,
    prompt            TEXT    NOT NULL,
    completed_prompt  TEXT,
    response          TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    edge_ms           INTEGER,
    cloud_ms          INTEGER,
    status            TEXT    NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
    error             TEXT
);
CREATE INDEX generations_by_time ON generations (created_at);
