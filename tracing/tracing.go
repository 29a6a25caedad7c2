// Package tracing records an OpenTelemetry span for every statement a
// datasource runs, through bun's own bunotel query hook. It is a package of
// its own so that only services that trace link OpenTelemetry.
//
//	app.New(
//		boot.DefaultDataSource("postgres://app@db/app", tracing.Spans()),
//		...
//	)
//
// Spans go to the global tracer provider (otel.SetTracerProvider) unless
// bunotel.WithTracerProvider says otherwise; each is named after the
// statement's operation (SELECT, INSERT, ...) and carries db.system and,
// with bunotel.WithFormattedQueries(true), the SQL with its arguments.
package tracing

import (
	"github.com/uptrace/bun/extra/bunotel"

	"github.com/slipwaygo/slipway/repository"
)

// Spans is a datasource option (for repository.Open and boot's
// datasources) that adds bunotel's query hook with opts, such as
// bunotel.WithDBName or bunotel.WithTracerProvider.
func Spans(opts ...bunotel.Option) repository.Option {
	return repository.WithQueryHook(bunotel.NewQueryHook(opts...))
}
