package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"reach/internal/auth"
	"reach/internal/config"
	"reach/layers"
	"reach/layers/postgis"
)

const tokenUsage = `usage:
  reach token add    --db URL --name NAME --role submitter|committee|admin
  reach token list   --db URL
  reach token revoke --db URL --name NAME

add prints the new token once; only its SHA-256 hash is stored. Send it as
"Authorization: Bearer <token>". Every change is written to the audit trail.
`

// runToken adds, lists and revokes API tokens.
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return flag.ErrHelp
	}
	sub := args[0]
	fs := flag.NewFlagSet("reach token "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "PostGIS connection URL (default $DATABASE_URL)")
	name := fs.String("name", "", "name of the token holder (1–64 of A-Z a-z 0-9 . _ @ -)")
	role := fs.String("role", "", "submitter, committee or admin")
	fs.Usage = func() { fmt.Fprint(stderr, tokenUsage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token %s: unexpected argument %q", sub, fs.Arg(0))
	}
	switch sub {
	case "add", "list", "revoke":
	default:
		fmt.Fprint(stderr, tokenUsage)
		return fmt.Errorf("token: unknown subcommand %q (want add, list or revoke)", sub)
	}
	url, err := config.DatabaseURL(*db, getenv, "token "+sub)
	if err != nil {
		return err
	}
	st, err := postgis.Open(ctx, url)
	if err != nil {
		return err
	}
	defer st.Close()
	cli := layers.Actor{Name: "cli", Role: layers.RoleAdmin}
	switch sub {
	case "add":
		r, ok := layers.ParseRole(*role)
		if !ok {
			return fmt.Errorf("token add: --role %q: want submitter, committee or admin", *role)
		}
		tok, rec, err := auth.NewToken(*name, r, time.Now())
		if err != nil {
			return fmt.Errorf("token add: %w", err)
		}
		if err := st.AddToken(ctx, rec, cli); err != nil {
			if errors.Is(err, layers.ErrConflict) {
				return fmt.Errorf("token add: a token named %q exists already; revoke it or choose another name", *name)
			}
			return fmt.Errorf("token add: %w", err)
		}
		fmt.Fprintf(stderr, "token %q (%s) made; it is shown only this once and cannot be recovered:\n", *name, r)
		fmt.Fprintln(stdout, tok)
	case "list":
		ts, err := st.Tokens(ctx)
		if err != nil {
			return fmt.Errorf("token list: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tREVOKED")
		for _, t := range ts {
			revoked := "-"
			if !t.RevokedAt.IsZero() {
				revoked = t.RevokedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Role, t.CreatedAt.UTC().Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case "revoke":
		if *name == "" {
			return errors.New("token revoke: --name is required")
		}
		if err := st.RevokeToken(ctx, *name, cli); err != nil {
			return fmt.Errorf("token revoke: %w", err)
		}
		fmt.Fprintf(stdout, "token %q revoked\n", *name)
	}
	return nil
}
