/** Everything `--help` prints; every flag with its default. */
export const HELP = `
  Usage
    $ nexus-top [options] [[NAME@][TYPE=]URL ...]

  Watches the LLM inference backends listed in a Nexus config (nexus.toml), or
  given as URLs: Ollama, vLLM, llama.cpp, LM Studio, Exo and any OpenAI-compatible
  server. A URL's type is detected (TYPE=URL forces it, e.g. ollama=gpu1:11434;
  NAME@URL names it); with --config, both are watched.

  Modes
    (none)               live dashboard when stdout is a terminal; otherwise as --once
    --once               probe every backend once, print a table, exit with a status code
    --json               with --once: print one JSON document instead of the table
    --demo               watch the built-in demo fleet (fake backends on 127.0.0.1)
    --check              probe once, print one monitoring-plugins line (Nagios,
                         Icinga) with perfdata, exit 0 OK, 1 WARNING, 2 CRITICAL
    --headless           probe until SIGINT/SIGTERM and print nothing (for --metrics)
                         The dashboard, --events and --headless follow the config
                         file as it changes (SIGHUP re-reads it in the last two).
    --events             stream events (status changes, flapping, drains, interval,
                         pause) as NDJSON on stdout until SIGINT/SIGTERM, then exit 0
    --record FILE        also record every probe result to FILE (NDJSON, a new file;
                         works with every mode; secrets are never written)
    --replay FILE        play a recording instead of probing: the dashboard on a
                         terminal (p pauses), else as --once; with --once/--json
                         the state at the end of the recording; with --events its
                         events until the recording ends

  Options
    --metrics [HOST:]PORT
                         serve /metrics for Prometheus on HOST (default 127.0.0.1),
                         beside the dashboard, --events or --headless
    -c, --config FILE    config file (default: $NEXUS_TOP_CONFIG, ./nexus.toml,
                         $XDG_CONFIG_HOME/nexus/nexus.toml; none found: the demo fleet)
    --interval DURATION  time between probes of a backend, e.g. 500ms, 5s, 1m
                         (default: [health_check] interval_seconds, 30s)
    --timeout DURATION   deadline for one probe, connect to last byte
                         (default: [health_check] timeout_seconds, 5s)
    --load-interval DURATION
                         how often each backend is asked how loaded it is (queue,
                         KV cache, slots, models in VRAM) (default: [top]
                         load_interval_seconds, else the interval but at least 5s)
    --no-load            do not ask backends for load ([top] load = false)
    --generate DURATION  also check, this often, that each backend still generates
                         (one 1-token completion; off by default; [top]
                         generate_interval_seconds)
    --router URL         a Nexus router to read /v1/stats and /health from, each
                         load interval ([top] router_url)
    --gpu-interval DURATION
                         how often nvidia-smi, amd-smi or rocm-smi is run (default:
                         [top] gpu_interval_seconds, 2s)
    --no-gpu             do not read the box's GPUs ([top] gpu = false)
    --speed N|max        replay speed: 1 as recorded, 10 ten times faster, max no
                         waiting (default: 1; --once always replays at max)
    --no-color           no colour (also NO_COLOR=1); FORCE_COLOR=1 forces it
    --debug              print stack traces of internal errors
    -h, --help           show this help
    -v, --version        show the version

  Keys (dashboard)
    ↑/↓ j/k g/G PgUp/PgDn move   Enter details   r/R check one/all   d drain
    e event log   +/- interval   p pause   s sort   / filter   ? all keys   q quit

  Exit codes (--once, --check)
    0  every backend that is not drained is healthy
    1  some are unhealthy, loading or unknown, at least one is healthy
    2  none is healthy
    3  config or usage error (also: a recording that is missing or has no valid header)
    70 internal error
    --replay FILE --once: the same codes, for the state at the end of the recording

  Examples
    $ nexus-top --demo --once
    $ nexus-top --config /etc/nexus/nexus.toml --once --json | jq '.summary'
    $ nexus-top --events | jq -c 'select(.type == "status")'
    $ nexus-top --record fleet.ndjson
    $ nexus-top --replay fleet.ndjson --speed 10
    $ nexus-top http://gpu1:11434 vllm=gpu2:8000 big@http://gpu3:8080
    $ nexus-top --check --config /etc/nexus/nexus.toml
    $ nexus-top --headless --metrics 9464
`;
