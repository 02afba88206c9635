// Command reach serves and computes the reachability of public services in
// Saxony: OGC API Features and vector tiles over the layers, travel times,
// isochrones, gap registers and project assessments.
//
// Usage:
//
//	reach serve   [--addr 127.0.0.1:8080] [--db URL | --data DIR] [--seed N]
//	reach migrate --db URL
//	reach import  --db URL <layer> <file> [flags]
//	reach analyze --db URL [--category C] [--mode M]
//	reach export  --db URL <what> [--out FILE]
//	reach demo    [--out DIR] [--seed N]
//	reach catalogue [--check FILE]
//
// DATABASE_URL stands in for --db.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is the version of the binary; release builds set it with -ldflags.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "reach:", err)
		os.Exit(1)
	}
}

const usage = `reach: reachability of public services in Saxony

usage:
  reach serve   [--addr 127.0.0.1:8080] [--db URL | --data DIR] [--seed N]
  reach migrate --db URL
  reach bootstrap --db URL [--manifest FILE] [--cache DIR]   fetch, verify, import, analyze
  reach import  --db URL <layer> <file> [flags]
      layers: municipalities, population, indicators, memberships, grid,
              central-places, facilities, osm, projects
  reach analyze --db URL [--category C] [--mode M]
  reach export  --db URL <what> [--out FILE]
  reach demo    [--out DIR] [--seed N]
  reach catalogue [--check FILE]   print the embedded standards catalogue, or check one
  reach token add --db URL --name NAME --role submitter|committee|admin
  reach token list|revoke --db URL [--name NAME]
  reach calibrate FILE.osm.pbf... [--regional FILE]   fit the straight-line model on road networks
  reach version

serve, analyze and export take --catalogue FILE (standards of one's own) and
--settings FILE (score and weakness weights, snapping radius).

DATABASE_URL stands in for --db. "reach <command> -h" lists a command's flags.
`

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "import":
		return runImport(ctx, rest, getenv, stdout, stderr)
	case "analyze", "analyse":
		return runAnalyze(ctx, rest, getenv, stdout, stderr)
	case "export":
		return runExport(ctx, rest, getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, getenv, stdout, stderr)
	case "catalogue", "catalog":
		return runCatalogue(ctx, rest, getenv, stdout, stderr)
	case "token":
		return runToken(ctx, rest, getenv, stdout, stderr)
	case "calibrate":
		return runCalibrate(ctx, rest, getenv, stdout, stderr)
	case "bootstrap":
		return runBootstrap(ctx, rest, getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "reach", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
