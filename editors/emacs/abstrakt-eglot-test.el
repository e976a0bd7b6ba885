;;; abstrakt-eglot-test.el --- batch test: eglot + abstrakt-lsp  -*- lexical-binding: t; -*-
;;
;; emacs --batch -l abstrakt-eglot-test.el
;; Environment: ABSTRAKT_LSP_BIN (server), ABSTRAKT_FIXTURE (a .js file).
;; Exits 0 when the diagnostic on 'flux-dev' and the hover card arrive, 1 otherwise.

(require 'eglot)
(require 'flymake)
(require 'cl-lib)

(defvar abstrakt-test-failures 0)

(defun abstrakt-test-check (ok what)
  (princ (format "  %s %s\n" (if ok "ok  " "FAIL") what))
  (unless ok (cl-incf abstrakt-test-failures))
  ok)

(defun abstrakt-test-wait (timeout pred)
  "Process events until PRED returns non-nil or TIMEOUT seconds pass."
  (let ((deadline (+ (float-time) timeout)) (result nil))
    (while (and (not (setq result (funcall pred)))
                (< (float-time) deadline))
      (accept-process-output nil 0.05))
    result))

(defun abstrakt-test-hover-text (contents)
  "Flatten LSP hover CONTENTS (MarkupContent, MarkedString or a list) to a string."
  (cond ((stringp contents) contents)
        ((and (listp contents) (plist-get contents :value)) (plist-get contents :value))
        ((vectorp contents) (mapconcat #'abstrakt-test-hover-text contents "\n"))
        ((listp contents) (mapconcat #'abstrakt-test-hover-text contents "\n"))
        (t "")))

(defun abstrakt-test-run ()
  (let* ((bin (or (getenv "ABSTRAKT_LSP_BIN") (error "ABSTRAKT_LSP_BIN not set")))
         (fixture (or (getenv "ABSTRAKT_FIXTURE") (error "ABSTRAKT_FIXTURE not set"))))
    (princ (format "Emacs %s, eglot %s, server %s\n" emacs-version
                   (if (boundp 'eglot--version) eglot--version "?") bin))
    ;; The same configuration as in editors/README.md.
    (add-to-list 'eglot-server-programs
                 `((js-mode js-jsx-mode typescript-mode typescript-ts-mode tsx-ts-mode js-ts-mode)
                   . (,bin :initializationOptions (:intendedUse "commercial" :offline t))))
    (find-file fixture)
    (abstrakt-test-check (derived-mode-p 'js-mode) (format "fixture opened in %s" major-mode))
    (apply #'eglot (eglot--guess-contact))
    (abstrakt-test-check (abstrakt-test-wait 15 (lambda () (eglot-current-server)))
                         "eglot connected to abstrakt-lsp")
    (goto-char (point-min))
    (search-forward "'flux-dev'")
    (let* ((end (point))
           (beg (- end (length "'flux-dev'")))
           (diag (abstrakt-test-wait
                  30
                  (lambda ()
                    ;; In batch mode no command loop runs, so kick flymake ourselves.
                    (when (and (bound-and-true-p flymake-mode) (null (flymake-diagnostics)))
                      (flymake-start))
                    (cl-find-if (lambda (d) (string-match-p "flux-dev" (flymake-diagnostic-text d)))
                                (flymake-diagnostics))))))
      (when (abstrakt-test-check diag "flymake diagnostic published for 'flux-dev'")
        (abstrakt-test-check (eq (flymake-diagnostic-type diag) 'eglot-warning)
                             (format "type is %s" (flymake-diagnostic-type diag)))
        (abstrakt-test-check (string-match-p "requires attribution" (flymake-diagnostic-text diag))
                             (format "message: %s" (flymake-diagnostic-text diag)))
        (abstrakt-test-check (and (= (flymake-diagnostic-beg diag) beg) (= (flymake-diagnostic-end diag) end))
                             "range covers the quoted id"))
      ;; Hover on the id.
      (goto-char (+ beg 3))
      (let* ((server (eglot-current-server))
             (hover (and server
                         (jsonrpc-request server :textDocument/hover
                                          (eglot--TextDocumentPositionParams)
                                          :timeout 15)))
             ;; Drop Markdown backslash escapes (\\[dev\\]): they are not what the user sees.
             (text (replace-regexp-in-string
                    "\\\\\\([][*_`#.!\\-]\\)" "\\1"
                    (abstrakt-test-hover-text (plist-get hover :contents))))
             (title (car (split-string (string-trim text) "\n"))))
        (princ (format "  hover title: %s\n" title))
        (abstrakt-test-check (string-match-p (regexp-quote "FLUX.1 [dev]") title) "hover card title line contains FLUX.1 [dev]")
        (abstrakt-test-check (string-match-p (regexp-quote "FLUX.1-dev") text) "hover card shows the license FLUX.1-dev")))
    (ignore-errors (eglot-shutdown (eglot-current-server)))))

(condition-case err
    (abstrakt-test-run)
  (error (abstrakt-test-check nil (format "error: %S" err))))
(kill-emacs (if (= abstrakt-test-failures 0) 0 1))
;;; abstrakt-eglot-test.el ends here
