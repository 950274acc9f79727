import './Field.css';

interface FieldProps {
  /** Unique on the page: the input's id, and the prefix of its hint's and error's ids. */
  id: string;
  name: string;
  label: string;
  type?: 'text' | 'password' | 'email';
  autoComplete: string;
  /** The on-screen keyboard: "numeric" for one-time codes. */
  inputMode?: 'text' | 'numeric';
  hint?: string | undefined;
  error?: string | undefined;
  /** A filter rather than a form's input: may be left empty. */
  isOptional?: boolean;
}

/** A labelled input whose hint and error are read out with it (aria-describedby). */
export function Field({
  id,
  name,
  label,
  type = 'text',
  autoComplete,
  inputMode,
  hint,
  error,
  isOptional = false,
}: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        className="field-input"
        name={name}
        type={type}
        autoComplete={autoComplete}
        inputMode={inputMode}
        // Only "required": the server owns the rules (length, characters) and
        // its answer is shown next to the field, so they cannot drift apart.
        required={!isOptional}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
