// Command oascheck validates an OpenAPI 3.1 document, and recorded HTTP
// exchanges against it, with pb33f/libopenapi-validator. The rest
// package's tests run it (go run) on the document and the requests of a
// test; it is a module of its own so that the validator, which needs a
// newer Go than Slipway, stays out of Slipway's module.
//
//	go run . exchanges.json
//
// The file holds {"document": {...}, "exchanges": [{"method", "url",
// "requestBody", "status", "contentType", "body"}]}. Requests are checked
// when they succeeded (a failing request is meant to be invalid); every
// response is checked. Each problem is printed on a line; the exit status
// is 1 when there is one.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"
)

type input struct {
	Document  json.RawMessage `json:"document"`
	Exchanges []struct {
		Method      string `json:"method"`
		URL         string `json:"url"`
		RequestBody string `json:"requestBody"`
		Status      int    `json:"status"`
		ContentType string `json:"contentType"`
		Body        string `json:"body"`
	} `json:"exchanges"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: oascheck exchanges.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var in input
	if err := json.Unmarshal(data, &in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	doc, err := libopenapi.NewDocument(in.Document)
	if err != nil {
		fmt.Fprintln(os.Stderr, "document:", err)
		os.Exit(1)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		for _, err := range errs {
			fmt.Println("validator:", err)
		}
		os.Exit(1)
	}
	problems := 0
	report := func(what string, errs []*verrors.ValidationError) {
		for _, e := range errs {
			problems++
			fmt.Printf("%s: %s: %s\n", what, e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				fmt.Printf("    %s %s: %s\n", se.FieldPath, se.KeywordLocation, se.Reason)
			}
		}
	}
	if ok, errs := v.ValidateDocument(); !ok {
		report("document", errs)
	}
	requests, responses := 0, 0
	for _, x := range in.Exchanges {
		newRequest := func() *http.Request {
			var body io.Reader
			if x.RequestBody != "" {
				body = strings.NewReader(x.RequestBody)
			}
			req, _ := http.NewRequest(x.Method, "http://localhost"+x.URL, body)
			if x.RequestBody != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			return req
		}
		what := fmt.Sprintf("%s %s -> %d", x.Method, x.URL, x.Status)
		if x.Status < 300 {
			requests++
			if ok, errs := v.ValidateHttpRequest(newRequest()); !ok {
				report(what+" (request)", errs)
			}
		}
		resp := &http.Response{StatusCode: x.Status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(x.Body))}
		if x.ContentType != "" {
			resp.Header.Set("Content-Type", x.ContentType)
		}
		responses++
		if ok, errs := v.ValidateHttpResponse(newRequest(), resp); !ok {
			report(what+" (response)", errs)
		}
	}
	if problems > 0 {
		os.Exit(1)
	}
	fmt.Printf("ok: the document is valid OpenAPI 3.1; %d requests and %d responses match it\n", requests, responses)
}
