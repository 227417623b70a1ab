<%@ include file="header.jsp" %>
<h2>Find a room</h2>
<form action="search.do" method="get">
  <table>
    <tr><td>Arrival</td><td><input type="text" name="checkIn" size="12"> (MM/dd/yyyy)</td></tr>
    <tr><td>Departure</td><td><input type="text" name="checkOut" size="12"></td></tr>
    <tr><td>Room</td><td>
      <select name="roomType">
        <option value="SINGLE">Single</option>
        <option value="DOUBLE" selected>Double</option>
        <option value="SUITE">Suite</option>
      </select></td></tr>
    <tr><td>Guests</td><td><input type="text" name="guests" value="2" size="2"></td></tr>
  </table>
  <input type="submit" value="Search">
</form>
<p>Already booked? <a href="mybooking.jsp">View your reservation</a></p>
<%@ include file="footer.jsp" %>
