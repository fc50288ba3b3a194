/** Everything `--help` prints; every flag with its default. */
export const HELP = `
  Usage
    $ nexus-top [options]

  Watches the LLM inference backends listed in a Nexus config (nexus.toml):
  Ollama, vLLM, llama.cpp, LM Studio, Exo and any OpenAI-compatible server.

  Modes
    (none)               live dashboard when stdout is a terminal; otherwise as --once
    --once               probe every backend once, print a table, exit with a status code
    --json               with --once: print one JSON document instead of the table
    --demo               watch the built-in demo fleet (fake backends on 127.0.0.1)

  Options
    -c, --config FILE    config file (default: $NEXUS_TOP_CONFIG, ./nexus.toml,
                         $XDG_CONFIG_HOME/nexus/nexus.toml; none found: the demo fleet)
    --interval DURATION  time between probes of a backend, e.g. 500ms, 5s, 1m
                         (default: [health_check] interval_seconds, 30s)
    --timeout DURATION   deadline for one probe, connect to last byte
                         (default: [health_check] timeout_seconds, 5s)
    --no-color           no colour (also NO_COLOR=1); FORCE_COLOR=1 forces it
    --debug              print stack traces of internal errors
    -h, --help           show this help
    -v, --version        show the version

  Keys (dashboard)
    ↑/↓ j/k g/G PgUp/PgDn move   Enter details   r/R check one/all   d drain
    +/- interval   p pause   s sort   / filter   ? all keys   q quit

  Exit codes (--once)
    0  every backend that is not drained is healthy
    1  some are unhealthy, loading or unknown, at least one is healthy
    2  none is healthy
    3  config or usage error
    70 internal error

  Examples
    $ nexus-top --demo --once
    $ nexus-top --config /etc/nexus/nexus.toml --once --json | jq '.summary'
`;
