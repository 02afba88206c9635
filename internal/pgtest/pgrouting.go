package pgtest

import (
	"context"
	"iter"
	"testing"

	"github.com/jackc/pgx/v5"

	"reach/internal/network"
)

// Connect makes a fresh database (New) and returns a connection to it,
// closed when tb finishes.
func Connect(ctx context.Context, tb testing.TB) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(ctx, New(tb))
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// WriteEdges creates table and writes the edges of n into it in
// pgRouting's edge convention (network.Network.Edges: id, source, target,
// cost and reverse_cost in seconds, length_m), for pgr_* queries on the
// engine's own graph. It returns the number of edges written.
func WriteEdges(ctx context.Context, tb testing.TB, conn *pgx.Conn, table string, n *network.Network) int64 {
	tb.Helper()
	if _, err := conn.Exec(ctx, "CREATE TABLE "+pgx.Identifier{table}.Sanitize()+` (id bigint PRIMARY KEY, source bigint NOT NULL,
		target bigint NOT NULL, cost double precision NOT NULL, reverse_cost double precision NOT NULL, length_m double precision NOT NULL)`); err != nil {
		tb.Fatalf("pgtest: create %s: %v", table, err)
	}
	next, stop := iter.Pull2(n.Edges())
	defer stop()
	rows := pgx.CopyFromFunc(func() ([]any, error) {
		e, err, ok := next()
		if !ok || err != nil {
			return nil, err
		}
		return []any{e.ID, e.Source, e.Target, e.Cost, e.ReverseCost, e.LengthM}, nil
	})
	count, err := conn.CopyFrom(ctx, pgx.Identifier{table}, []string{"id", "source", "target", "cost", "reverse_cost", "length_m"}, rows)
	if err != nil {
		tb.Fatalf("pgtest: write %s: %v", table, err)
	}
	return count
}
