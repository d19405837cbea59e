package main
import (
 _ "modernc.org/sqlite"
 _ "github.com/robfig/cron/v3"
 _ "github.com/kardianos/service"
 _ "github.com/lmittmann/tint"
 _ "go.yaml.in/yaml/v3"
 _ "golang.org/x/term"
 _ "golang.org/x/time/rate"
)
func main(){}
