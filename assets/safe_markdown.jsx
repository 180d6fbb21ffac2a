// Markdown for the chat: GitHub tables and lists, no raw HTML, only this site's images.
// <SafeMarkdown text="..."/> renders finished text. While an answer streams, the server sends only what is new:
// <SafeMarkdown piece="<offset>:<text>" stream={id} onGap={...}/> keeps the text in the browser and puts each piece
// at its offset; if a piece starts past the end (an update was missed) it asks the server for the whole text.
import React, { memo, useEffect, useRef } from "react";
import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";

const SAFE_LINK = /^(https?:|mailto:|\/(?!\/)|#)/i;
const LOCAL_IMAGE = /^(\/(?!\/)|data:image\/(png|gif|jpe?g|webp);base64,|blob:)/i;

function safeUrl(url, key) {
  const compact = String(url || "").replace(/[\u0000-\u0020]/g, "");
  if (key === "src") return LOCAL_IMAGE.test(compact) ? url : "";
  return SAFE_LINK.test(compact) || !/^[a-z][a-z0-9+.-]*:/i.test(compact) && !compact.startsWith("//") ? url : "#";
}

function SafeImage({ src, alt }) {
  if (!src) return <em>[image: {alt || "not shown"}]</em>;
  return <img src={src} alt={alt || ""} loading="lazy" />;
}

function SafeLink({ href, children }) {
  const external = /^https?:/i.test(href || "");
  return (
    <a href={href} {...(external ? { target: "_blank", rel: "noopener noreferrer nofollow" } : {})}>
      {children}
    </a>
  );
}

function Table({ children }) {
  return (
    <div className="d360-table-wrap">
      <table>{children}</table>
    </div>
  );
}

const COMPONENTS = { img: SafeImage, a: SafeLink, table: Table };
const PLUGINS = [remarkGfm];

function Rendered({ text, className }) {
  return (
    <div className={className || "d360-md"}>
      <ReactMarkdown remarkPlugins={PLUGINS} components={COMPONENTS} urlTransform={safeUrl} skipHtml={true}>
        {text || ""}
      </ReactMarkdown>
    </div>
  );
}

function splitPiece(piece) {
  const colon = (piece || "").indexOf(":");
  if (colon < 0) return [0, ""];
  return [parseInt(piece.slice(0, colon), 10) || 0, piece.slice(colon + 1)];
}

function SafeMarkdownView({ text, piece, stream, onGap, className, ...rest }) {
  const held = useRef({ stream: null, text: "" });
  const streaming = stream !== undefined && stream !== null && stream !== "";
  let gap = false;
  if (streaming) {
    const buffer = held.current;
    const [offset, chunk] = splitPiece(piece);
    if (buffer.stream !== stream || offset === 0) {
      held.current = { stream, text: chunk || "" };
    } else if (offset <= buffer.text.length) {
      held.current = { stream, text: buffer.text.slice(0, offset) + (chunk || "") };
    } else {
      gap = true;
    }
  }
  useEffect(() => {
    if (gap && onGap) onGap();
  }, [gap, piece, onGap]);
  return (
    <div {...rest}>
      <Rendered text={streaming ? held.current.text : text} className={className} />
    </div>
  );
}

// Finished messages keep their props: memo spares re-parsing them when something around them changes.
export const SafeMarkdown = memo(SafeMarkdownView);
