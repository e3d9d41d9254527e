package console_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/huduma-connect/huduma/console"
	"github.com/huduma-connect/huduma/crm"
	"github.com/huduma-connect/huduma/store/storetest/realstore"
)

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// The OpenAPI document and the mounted routes name the same operations: a route added without
// its description, or a description of a route that is gone, fails here.
func TestOpenAPICoversRoutes(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	// The routes do not touch the office until a request arrives.
	console.New((*crm.Office)(nil), console.Config{}).Mount(app)

	param := regexp.MustCompile(`:([A-Za-z0-9_]+)\??`)
	mounted := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, console.Prefix+"/") || r.Method == fiber.MethodHead {
			continue // fiber adds HEAD to every GET
		}
		mounted[strings.ToLower(r.Method)+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	if len(mounted) < 18 {
		t.Fatalf("only %d routes mounted: %v", len(mounted), mounted)
	}

	doc := loadOpenAPI(t)
	described := map[string]bool{}
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(httpMethods, key) {
				described[key+" "+path] = true
			}
		}
	}
	for op := range mounted {
		if !described[op] {
			t.Errorf("%s is mounted but not in openapi.json", op)
		}
	}
	for op := range described {
		if !mounted[op] {
			t.Errorf("openapi.json describes %s, which is not mounted", op)
		}
	}
}

// Every operation says what it answers, including its errors, and every reference resolves.
func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Errorf("openapi %q, want 3.0.x", doc.OpenAPI)
	}
	ids := map[string]bool{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
				Summary     string
				Parameters  []json.RawMessage
				Responses   map[string]json.RawMessage
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			name := method + " " + path
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s: no operationId or summary", name)
			}
			if ids[op.OperationID] {
				t.Errorf("%s: operationId %s used twice", name, op.OperationID)
			}
			ids[op.OperationID] = true
			success := false
			for code := range op.Responses {
				if strings.HasPrefix(code, "2") {
					success = true
				}
			}
			if !success {
				t.Errorf("%s: no success response", name)
			}
			var need []string // the document itself is static
			if path != console.Prefix+"/openapi.json" {
				need = append(need, "500")
			}
			if path != console.Prefix+"/openapi.json" && path != console.Prefix+"/login" {
				need = append(need, "401")
			}
			for _, code := range need {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s: error %s not described", name, code)
				}
			}
			// Every path parameter is declared.
			declared := map[string]bool{}
			for _, p := range op.Parameters {
				var prm struct {
					Ref  string `json:"$ref"`
					Name string
					In   string
				}
				if err := json.Unmarshal(p, &prm); err != nil {
					t.Fatal(err)
				}
				if prm.Ref != "" {
					shared, ok := doc.Components.Parameters[strings.TrimPrefix(prm.Ref, "#/components/parameters/")]
					if !ok {
						t.Errorf("%s: parameter %s does not resolve", name, prm.Ref)
					}
					prm.Name, prm.In = shared.Name, shared.In
				}
				if prm.In == "path" {
					declared[prm.Name] = true
				}
			}
			for _, m := range regexp.MustCompile(`\{([a-z_]+)\}`).FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s not declared", name, m[1])
				}
			}
		}
	}

	// References resolve.
	var whole map[string]any
	if err := json.Unmarshal(console.OpenAPI(), &whole); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(string(console.OpenAPI()), -1) {
		var node any = whole
		for _, part := range strings.Split(m[1], "/") {
			obj, ok := node.(map[string]any)
			if !ok || obj[part] == nil {
				t.Errorf("$ref #/%s does not resolve", m[1])
				break
			}
			node = obj[part]
		}
	}
}

// The document is served as JSON, byte for byte.
func TestOpenAPIServed(t *testing.T) {
	w := newWorld(t, realstore.Kinds[0].Open(t))
	status, body := w.call(t, http.MethodGet, "/api/v1/openapi.json", nil, nil)
	if status != http.StatusOK || !bytes.Equal(body, console.OpenAPI()) {
		t.Fatalf("GET /api/v1/openapi.json: %d, %d bytes (want %d)", status, len(body), len(console.OpenAPI()))
	}
}

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Parameters map[string]struct{ Name, In string }
	}
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(console.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

// GET /cases refuses every query parameter it does not know, so the parameters the document
// lists must be exactly those it knows: one missing from the document would be a surprise
// 400 to a client that never saw it, one only in the document a 400 to a client that read it.
func TestOpenAPIListsTheCaseParameters(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal(console.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for path, params := range map[string][]string{
		"/cases": console.CaseParams, "/users": console.UserParams, "/ratings": console.RatingParams, "/calls": console.CallParams,
		"/erasures": console.ErasureParams,
	} {
		var described []string
		for _, p := range doc.Paths[console.Prefix+path]["get"].Parameters {
			if p.In == "query" {
				described = append(described, p.Name)
			}
		}
		slices.Sort(described)
		known := slices.Sorted(slices.Values(params))
		if !slices.Equal(described, known) {
			t.Errorf("GET %s: openapi.json lists the query parameters %v, the handler takes %v", path, described, known)
		}
	}
}
