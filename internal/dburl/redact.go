package dburl

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// redacted replaces every secret in a printed URL.
const redacted = "xxxxx"

// secretSuffixes: a query parameter, SQLite _pragma or keyword/value DSN
// keyword holds a secret when its lower-case name ends in one of these
// (password, sslpassword, PWD, api_key, access_token, client_secret, ...).
// sslkey, a file name, is hidden too; passfile is not.
var secretSuffixes = []string{"password", "passwd", "pass", "pwd", "secret", "token", "key"}

func secretName(name string) bool {
	name = strings.ToLower(name)
	return slices.ContainsFunc(secretSuffixes, func(s string) bool { return strings.HasSuffix(name, s) })
}

// Redact hides the secrets of a URL-shaped string: the password of its user
// info and the values of query parameters that carry secrets (see
// secretSuffixes), also when it does not parse as a URL, and the secrets
// of a driver DSN (user:pass@tcp(host)/db) or a keyword/value DSN
// (host=h password=pw). It is meant for error messages and logs.
func Redact(raw string) string {
	s, _ := redact(raw)
	return s
}

// Secrets returns the secrets Redact hides in raw, decoded and as written:
// the strings to scrub from an error that might echo them.
func Secrets(raw string) []string {
	_, secrets := redact(raw)
	var out []string
	for _, s := range secrets {
		if dec, err := url.QueryUnescape(s); err == nil && dec != s {
			out = append(out, dec)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// keywordDSN matches the start of a keyword/value DSN: host=h ...
var keywordDSN = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

func redact(raw string) (string, []string) {
	scheme, rest, hasSlashes := strings.Cut(raw, "://")
	if !hasSlashes && keywordDSN.MatchString(raw) {
		return redactKeywords(raw)
	}
	if u, err := url.Parse(raw); err == nil && hasSlashes && u.Opaque == "" {
		// scheme://[user[:password]@]host/path?query
		var secrets []string
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
		q, qs := redactQuery(u.RawQuery)
		u.RawQuery = q
		return u.Redacted(), append(secrets, qs...)
	}
	head := ""
	at := -1
	if hasSlashes {
		// A malformed URL: the user info ends at the last "@" (hiding too
		// much is better than too little).
		head = scheme + "://"
		at = strings.LastIndex(rest, "@")
	} else {
		// A driver DSN, user:password@tcp(host:3306)/db?params: the user
		// info ends at the last "@" before the last "/", as the MySQL
		// driver reads it.
		rest = raw
		end := len(rest)
		if slash := strings.LastIndex(rest, "/"); slash >= 0 {
			end = slash
		}
		at = strings.LastIndex(rest[:end], "@")
	}
	var secrets []string
	if at >= 0 {
		if user, pw, ok := strings.Cut(rest[:at], ":"); ok {
			head += user + ":" + redacted
			secrets = append(secrets, pw)
			rest = rest[at:]
		}
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	if !hasQuery {
		return head + rest, secrets
	}
	q, qs := redactQuery(query)
	return head + path + "?" + q, append(secrets, qs...)
}

// redactSQLite hides the secrets in the query of a SQLite URL, whose path
// is a file name that may hold "@" or ":".
func redactSQLite(raw string) (string, []string) {
	path, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw, nil
	}
	q, secrets := redactQuery(query)
	return path + "?" + q, secrets
}

// redactQuery hides the values of the secret parameters of a raw query,
// and of secret pragmas in _pragma parameters (key('...')), keeping the
// rest as written.
func redactQuery(query string) (string, []string) {
	if query == "" {
		return "", nil
	}
	var secrets []string
	parts := strings.Split(query, "&")
	for i, part := range parts {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		name := k
		if dec, err := url.QueryUnescape(k); err == nil {
			name = dec
		}
		if strings.EqualFold(name, "_pragma") {
			val := v
			if dec, err := url.QueryUnescape(v); err == nil {
				val = dec
			}
			if pragma, value, _ := splitPragma(val); value != "" && secretName(pragma) {
				parts[i] = k + "=" + pragma + "(" + redacted + ")"
				secrets = append(secrets, unquote(value))
			}
			continue
		}
		if secretName(name) && v != "" {
			parts[i] = k + "=" + redacted
			secrets = append(secrets, v)
		}
	}
	return strings.Join(parts, "&"), secrets
}

// keyword matches one keyword = value pair of a keyword/value DSN (as
// libpq takes: host=h password='a b'), the value quoted or not.
var keyword = regexp.MustCompile(`([A-Za-z_]+)(\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']*)`)

// redactKeywords hides the secret values of a keyword/value DSN.
func redactKeywords(raw string) (string, []string) {
	var secrets []string
	out := keyword.ReplaceAllStringFunc(raw, func(pair string) string {
		m := keyword.FindStringSubmatch(pair)
		if !secretName(m[1]) || m[3] == "" {
			return pair
		}
		secrets = append(secrets, unquote(m[3]))
		return m[1] + m[2] + redacted
	})
	return out, secrets
}

// unquote strips the single or double quotes around a pragma or keyword
// value.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
