package dburl_test

import (
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwaygo/slipway/internal/dburl"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give, want string
	}{
		{give: "postgres://u:s3cret@h/db", want: "postgres://u:xxxxx@h/db"},
		{give: "postgres://u@h/db?password=s3cret", want: "postgres://u@h/db?password=xxxxx"},
		{give: "postgres://u:s3cret@h/db?sslmode=disable&sslpassword=s3cret&passfile=%2Fhome%2Fu%2F.pgpass", want: "postgres://u:xxxxx@h/db?sslmode=disable&sslpassword=xxxxx&passfile=%2Fhome%2Fu%2F.pgpass"},
		{give: "mysql://u@h/db?PWD=s3cret&timeout=1s&Pass=s3cret&passwd=s3cret", want: "mysql://u@h/db?PWD=xxxxx&timeout=1s&Pass=xxxxx&passwd=xxxxx"},
		{give: "https://api.example.com/v1?api_key=s3cret&token=s3cret&client_secret=s3cret&key=s3cret", want: "https://api.example.com/v1?api_key=xxxxx&token=xxxxx&client_secret=xxxxx&key=xxxxx"},
		{give: "postgres://u@h/db?pass%77ord=s3cret", want: "postgres://u@h/db?pass%77ord=xxxxx"},
		{give: "sqlite:app.db?_pragma=key('s3cret')&_pragma=busy_timeout(100)", want: "sqlite:app.db?_pragma=key(xxxxx)&_pragma=busy_timeout(100)"},
		// Malformed URLs: they do not parse, and are redacted all the same.
		{give: "postgres://u@h:badport/db?password=s3cret", want: "postgres://u@h:badport/db?password=xxxxx"},
		{give: "postgres://u:s3/cret@h:5432/db?token=s3cret", want: "postgres://u:xxxxx@h:5432/db?token=xxxxx"},
		{give: "postgres://u:s3cret@h/db?x=%zz&password=s3cret", want: "postgres://u:xxxxx@h/db?x=%zz&password=xxxxx"},
		// Not URLs: a driver DSN, a keyword/value DSN.
		{give: "u:s3cret@tcp(127.0.0.1:3306)/db?parseTime=true", want: "u:xxxxx@tcp(127.0.0.1:3306)/db?parseTime=true"},
		{give: "host=h user=u password=s3cret dbname=db", want: "host=h user=u password=xxxxx dbname=db"},
		{give: "host=h password='s3 cret' sslpassword = s3cret", want: "host=h password=xxxxx sslpassword = xxxxx"},
		// Nothing secret.
		{give: "postgres://u@h/db?sslmode=disable", want: "postgres://u@h/db?sslmode=disable"},
		{give: "sqlite:app.db?_pragma=foreign_keys(1)", want: "sqlite:app.db?_pragma=foreign_keys(1)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, dburl.Redact(tt.give), tt.give)
	}
}

// Whatever the scheme and however malformed the URL, neither Redacted nor
// an error shows a secret.
func TestParseNeverShowsASecret(t *testing.T) {
	t.Parallel()
	for _, give := range []string{
		"postgres://u@h/db?password=s3cret",
		"postgresql://u:s3cret@h/db?sslpassword=s3cret",
		"mysql://u@h/db?password=s3cret",
		"mysql://u@h/db?token=s3cret",
		"mariadb://u:s3cret@h/db?timeout=1s",
		"sqlite:app.db?password=s3cret",
		"file:app.db?_pragma=key('s3cret')",
		// Errors.
		"postgres://u@h:badport/db?password=s3cret",
		"postgres://u:s3cret@h:badport/db",
		"mysql://u@h:badport/db?password=s3cret",
		"mysql://u@h/db?timeout=abc&password=s3cret",
		"mysql://u:s3cret@h/db?password=s3cret",
		"sqlite:app.db?password=s3cret&x=%zz",
		"sqlite:?password=s3cret",
		"oracle://u@h/db?password=s3cret",
		"u:s3cret@tcp(127.0.0.1:3306)/db",
		"host=h password=s3cret",
	} {
		cfg, err := dburl.Parse(give)
		if err != nil {
			assert.NotContains(t, err.Error(), "s3cret", give)
			continue
		}
		assert.NotContains(t, cfg.Redacted, "s3cret", give)
	}
}

// MySQL's driver would send an unknown parameter to the server as a
// session variable (SET password = ...): ?password= is the password, as
// for PostgreSQL.
func TestParseMySQLPasswordParameterIsThePassword(t *testing.T) {
	t.Parallel()
	cfg, err := dburl.Parse("mysql://u@h/db?password=s3cret&timeout=2s")
	require.NoError(t, err)
	dsn, err := mysql.ParseDSN(cfg.DSN)
	require.NoError(t, err)
	assert.Equal(t, "s3cret", dsn.Passwd)
	assert.Empty(t, dsn.Params, "no session variable")
	assert.Equal(t, "mysql://u@h/db?password=xxxxx&timeout=2s", cfg.Redacted)

	_, err = dburl.Parse("mysql://u:other@h/db?password=s3cret")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `database URL "mysql://u:xxxxx@h/db?password=xxxxx": the password is set twice, in the user info and as ?password= (keep one)`)
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		want []string
	}{
		{give: "postgres://u:s3cret@h/db", want: []string{"s3cret"}},
		{give: "postgres://u@h/db?password=s3%20cret&sslmode=disable", want: []string{"s3 cret", "s3%20cret"}},
		{give: "postgres://u:pw1@h:badport/db?token=tok2", want: []string{"pw1", "tok2"}},
		{give: "sqlite:app.db?_pragma=key('k3y')", want: []string{"k3y"}},
		{give: "host=h password='s3 cret'", want: []string{"s3 cret"}},
		{give: "host=h password=s3cret", want: []string{"s3cret"}},
		{give: "postgres://u@h/db", want: nil},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, dburl.Secrets(tt.give), tt.give)
	}
}
