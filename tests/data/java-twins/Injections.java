import java.io.IOException;
import java.sql.*;
import java.util.*;
import javax.servlet.http.*;

public class Injections extends HttpServlet {
    private Connection con;

    public void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException, SQLException {
        String param = request.getHeader("X-Name");
        String sql = "SELECT * FROM users WHERE name = '" + param + "'";
        con.createStatement().executeQuery(sql); // vuln: sql-injection
        String fixed = "SELECT * FROM users WHERE name = 'x'";
        con.createStatement().executeQuery(fixed); // safe: sql-injection
        PreparedStatement ps = con.prepareStatement("SELECT * FROM users WHERE name = ?"); // safe: sql-injection
        ps.setString(1, param);
        ps.executeQuery(); // safe: sql-injection
        int id = Integer.parseInt(request.getParameter("id"));
        con.createStatement().execute("DELETE FROM users WHERE id = " + id); // safe: sql-injection
    }

    public void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException, SQLException {
        Map<String, String[]> params = request.getParameterMap();
        String name = params.get("name")[0];
        HashMap<String, Object> map = new HashMap<String, Object>();
        map.put("key", name);
        String bar = (String) map.get("key");
        StringBuilder sb = new StringBuilder("UPDATE users SET name = '");
        sb.append(bar);
        sb.append("'");
        con.createStatement().executeUpdate(sb.toString()); // vuln: sql-injection
        Statement st = con.createStatement();
        st.addBatch(helper(bar)); // vuln: sql-injection
        String[] cmd = {"sh", "-c", "ls " + bar};
        Runtime.getRuntime().exec(cmd); // vuln: command-injection
        Runtime.getRuntime().exec(new String[] {"ls", "-l"}); // safe: command-injection
        List<String> args = new ArrayList<String>();
        args.add("echo");
        args.add(bar);
        ProcessBuilder pb = new ProcessBuilder();
        pb.command(args); // vuln: command-injection
    }

    public void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Cookie[] cookies = request.getCookies();
        String value = "none";
        for (Cookie c : cookies) {
            value = c.getValue();
        }
        java.io.File f = new java.io.File("/data/" + value); // vuln: path-traversal
        new java.io.FileInputStream("/data/readme.txt"); // safe: path-traversal
        java.nio.file.Paths.get("/data", request.getQueryString()); // vuln: path-traversal
        new java.io.FileInputStream(org.apache.commons.io.FilenameUtils.getName(value)); // safe: path-traversal
        Enumeration<String> names = request.getParameterNames();
        String first = names.nextElement();
        response.getWriter().println("Hello " + first); // vuln: xss
        response.getWriter().println("Hello " + org.owasp.esapi.ESAPI.encoder().encodeForHTML(first)); // safe: xss
        response.getWriter().format(java.util.Locale.US, "%s", request.getParameterValues("a")[0]); // vuln: xss
        response.sendError(400, "unknown value " + first); // vuln: xss
        response.sendError(400, "unknown value " + org.apache.commons.lang.StringEscapeUtils.escapeHtml(first)); // safe: xss
        request.getSession().setAttribute("user", first); // vuln: trust-boundary
        request.getSession().setAttribute("user", "guest"); // safe: trust-boundary
    }

    private static String helper(String value) {
        return "DELETE FROM t WHERE a = '" + value + "'";
    }
}
