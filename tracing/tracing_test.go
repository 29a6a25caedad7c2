package tracing_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun/extra/bunotel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/tracing"
)

func TestSpans_RecordsASpanPerStatement(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			exporter := tracetest.NewInMemoryExporter()
			provider := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
			t.Cleanup(func() { _ = provider.Shutdown(t.Context()) })

			ds, err := repository.Open("db", testdb.URL(t, d),
				tracing.Spans(bunotel.WithTracerProvider(provider), bunotel.WithDBName("app")))
			require.NoError(t, err)
			t.Cleanup(func() { _ = ds.Close() })
			_, err = ds.DB().NewSelect().ColumnExpr("1 + 1").Exec(t.Context())
			require.NoError(t, err)

			spans := exporter.GetSpans()
			require.Len(t, spans, 1)
			assert.Equal(t, "SELECT", spans[0].Name)
			attrs := map[string]string{}
			for _, kv := range spans[0].Attributes {
				attrs[string(kv.Key)] = kv.Value.Emit()
			}
			assert.Equal(t, "app", attrs["db.name"])
			assert.Contains(t, attrs["db.statement"], "SELECT 1 + 1")
		})
	}
}
