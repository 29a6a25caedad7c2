package todolist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/slipwaygo/slipway/repository"
	"github.com/slipwaygo/slipway/rest"
)

// Geocoder looks up the coordinates of an address through the "geocoder"
// REST datasource, which speaks the US Census Bureau geocoder's JSON (the
// service LoopBack's Todo example uses): GEOCODER_URL is its
// onelineaddress endpoint, for example
// https://geocoding.geo.census.gov/geocoder/locations/onelineaddress.
type Geocoder struct {
	ds *repository.HTTP
}

// NewGeocoder returns a geocoder over the datasource.
func NewGeocoder(ds *repository.HTTP) *Geocoder { return &Geocoder{ds: ds} }

// Configured reports whether the geocoder has a URL; without one, todos are
// stored without coordinates.
func (g *Geocoder) Configured() bool { return g.ds.Configured() }

// ErrAddressNotFound is returned for an address the geocoder does not know.
var ErrAddressNotFound = errors.New("address not found")

// Check looks up the address of a todo that sets one, when the geocoder is
// configured, and stores its coordinates in RemindAtGeo: an address the
// geocoder does not know is a 422, a geocoder that fails a 502.
func (g *Geocoder) Check(ctx context.Context, t *Todo, set []string) error {
	if !slices.Contains(set, "remindAtAddress") || t.RemindAtAddress == nil || !g.Configured() {
		return nil
	}
	geo, err := g.Geocode(ctx, *t.RemindAtAddress)
	switch {
	case errors.Is(err, ErrAddressNotFound):
		return rest.Invalid("/remindAtAddress", "address", err.Error(), nil)
	case err != nil:
		return &rest.Error{Status: http.StatusBadGateway, Message: "The geocoder did not answer", Err: err}
	}
	t.RemindAtGeo = &geo
	return nil
}

// Geocode returns the address's coordinates as "lat,lng".
func (g *Geocoder) Geocode(ctx context.Context, address string) (string, error) {
	u := g.ds.URL("", url.Values{"format": {"json"}, "benchmark": {"Public_AR_Current"}, "address": {address}})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("geocoder: %w", err)
	}
	client := g.ds.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error holds the URL; the datasource's String hides credentials.
		return "", fmt.Errorf("geocoder %s: request failed", g.ds)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("geocoder %s: status %s", g.ds, resp.Status)
	}
	var body struct {
		Result struct {
			AddressMatches []struct {
				Coordinates struct{ X, Y float64 } `json:"coordinates"`
			} `json:"addressMatches"`
		} `json:"result"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", fmt.Errorf("geocoder %s: bad response: %w", g.ds, err)
	}
	if len(body.Result.AddressMatches) == 0 {
		return "", fmt.Errorf("%w: %q", ErrAddressNotFound, address)
	}
	c := body.Result.AddressMatches[0].Coordinates
	return strconv.FormatFloat(c.Y, 'f', -1, 64) + "," + strconv.FormatFloat(c.X, 'f', -1, 64), nil
}
